// The overlay: injected at the top of every proxied page's <head>, before the page's own scripts.
// Talks only to the embedding window (visitor shell or agent console) by postMessage; holds no
// credential. Config comes from window.__cbFrame = { parentOrigin, realOrigin, sessionHint, cookies }.
// Opened directly (not in a frame), it keeps only the runtime patches and shows nothing.
import type { FrameDown } from '../../protocol/index.ts';
import { framed, onDown, readConfig, safe, setConfig } from './overlay/env.ts';
import { applyDraw, clearDrawing, installDrawResize } from './overlay/draw.ts';
import { installDrawTool, setTool } from './overlay/draw-tool.ts';
import { applyAct, applyForm, installFormSync, postFormSnapshot } from './overlay/form-sync.ts';
import { installNav, onNavigated } from './overlay/nav.ts';
import { installPointerSend, installPresenceReflow, showRemoteFocus, showRemotePointer } from './overlay/pointer.ts';
import { installProblemChecks } from './overlay/problems.ts';
import { installRuntimePatches } from './overlay/runtime-patches.ts';
import { applyScroll, installScrollSync, postScrollSnapshot } from './overlay/scroll-sync.ts';
import { installAgentGuard, party } from './overlay/agent-guard.ts';
import { clearHighlights, installHighlight, showHighlight } from './overlay/highlight.ts';
import { installGatewayLinkGuard } from './overlay/gateway-links.ts';
import { goTo, installNavigationGuard, installNewWindows } from './overlay/navigation.ts';
import { installEscapeDetection } from './overlay/escapes.ts';
import { installImportMap } from './overlay/import-map.ts';
import { installWorkerPatches } from './overlay/worker-patches.ts';
import { markParty } from './overlay/cookies.ts';
import { proxifier } from './overlay/runtime-patches.ts';

function handleDown(m: FrameDown, state: { controlGranted: boolean }): void {
  switch (m.type) {
    case 'role':
      state.controlGranted = m.controlGranted === true;
      party.role = m.role;
      party.controlGranted = state.controlGranted;
      return;
    case 'scroll':
      applyScroll(m.scroll);
      return;
    case 'pointer':
      showRemotePointer(m);
      return;
    case 'focus':
      showRemoteFocus(m.path, m.label);
      return;
    case 'form':
      applyForm(m);
      return;
    case 'draw':
      applyDraw(m.points, m.clear);
      if (m.clear) clearHighlights();
      return;
    case 'highlight':
      showHighlight(m.path, m.label);
      return;
    case 'act':
      if (state.controlGranted) applyAct(m);
      return;
    case 'tool':
      setTool(m.tool);
      return;
    case 'sync-request':
      // The other party joined or reloaded mid-page: catch them up.
      safe(postScrollSnapshot)();
      safe(postFormSnapshot)();
      return;
    case 'go':
      goTo(m.url, proxifier());
      return;
    case 'history':
      if (m.action === 'back') history.back();
      else if (m.action === 'forward') history.forward();
      else location.reload();
      return;
  }
}

function main(): void {
  if (window.__cbOverlayLoaded) return; // injected twice (e.g. a page that re-includes it)
  window.__cbOverlayLoaded = true;
  const cfg = readConfig();
  if (!cfg) return;
  setConfig(cfg);
  // First: the import map must precede every module the page loads.
  safe(installImportMap)();
  safe(installRuntimePatches)(cfg.realOrigin, cfg.cookies);
  const p = proxifier();
  safe(installWorkerPatches)(p);
  safe(installNavigationGuard)(p);
  if (!framed) return;
  safe(markParty)(window.name);
  safe(installNewWindows)(p);
  safe(installEscapeDetection)();
  const state = { controlGranted: false };
  onDown((m) => handleDown(m, state));
  safe(installNav)();
  safe(installScrollSync)();
  safe(installPointerSend)();
  safe(installPresenceReflow)();
  safe(installFormSync)();
  safe(installDrawResize)();
  safe(installDrawTool)();
  safe(installProblemChecks)();
  safe(installAgentGuard)();
  safe(installHighlight)();
  safe(installGatewayLinkGuard)();
  onNavigated(clearDrawing);
  onNavigated(clearHighlights);
}

try {
  main();
} catch {
  /* the overlay never breaks the page */
}

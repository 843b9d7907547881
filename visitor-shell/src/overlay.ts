// The overlay: injected at the top of every proxied page's <head>, before the page's own scripts.
// Only the part page scripts could get around runs there (runtime and navigation patches, history,
// input guards); the observers that report scroll, pointer, forms and problems install after the
// parser is done (installUi below).
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

/** Frames handled by the deferred part (installUi): held until it is installed. */
const UI_FRAMES = new Set<FrameDown['type']>(['scroll', 'pointer', 'focus', 'form', 'act', 'sync-request']);

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
  // Registered now, before any page listener: the embedding window's frames stay hidden from the page.
  let held: FrameDown[] | null = [];
  onDown((m) => (held && UI_FRAMES.has(m.type) ? held.push(m) : handleDown(m, state)));
  // Before the page's scripts, only what they could otherwise get around: history wrapped before a
  // router keeps a reference to pushState, and the window capture listeners that keep a party's
  // blocked input (agent without control, drawing, highlighting) from reaching page listeners.
  safe(installNav)();
  safe(installDrawTool)();
  safe(installAgentGuard)();
  safe(installHighlight)();
  safe(installGatewayLinkGuard)();
  onNavigated(clearDrawing);
  onNavigated(clearHighlights);
  // The rest (reporting scroll, pointer, form input, layout and page problems) only observes, so it
  // waits until the parser is done and the page's own DOMContentLoaded work has run: it is not on
  // the page's path to interactive. Frames for it that arrive meanwhile are applied once it is in.
  const installUi = () => {
    safe(installScrollSync)();
    safe(installPointerSend)();
    safe(installPresenceReflow)();
    safe(installFormSync)();
    safe(installDrawResize)();
    safe(installProblemChecks)();
    const q = held ?? [];
    held = null;
    for (const m of q) safe(handleDown)(m, state);
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => setTimeout(installUi, 0), { once: true });
  else setTimeout(installUi, 0);
}

try {
  main();
} catch {
  /* the overlay never breaks the page */
}

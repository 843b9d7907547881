// The visitor shell: the co-browse frame filling the viewport (the visitor's page, through the
// proxy), the waiting banner while queued, the chat widget (attachments, read receipts, the
// offline-message form), consent for remote control, sharing pause, the frame's size for the agent,
// and the end screen. Plain TypeScript + DOM; one WebSocket (WsClient) to the gateway.
import type { AgentInfo, ClientFrame, ServerFrame, SessionInfo } from '../../protocol/index.ts';
import { CobrowseBridge } from './common/cobrowse-bridge.ts';
import { WsClient, newClientId } from './common/ws-client.ts';
import { attachmentHref, attachmentProblem, uploadAttachment } from './shell/api.ts';
import { ChatPanel } from './shell/chat-panel.ts';
import { readClientConfig } from './shell/config.ts';
import { Consent } from './shell/consent.ts';
import { h, show } from './shell/dom.ts';
import { EndPanel } from './shell/end-panel.ts';
import { safeHttpUrl } from './shell/format.ts';
import { SharedTabsView } from './shell/shared-tabs-view.ts';
import { Notices } from './shell/notices.ts';
import { OfflineForm } from './shell/offline-form.ts';
import { makeProxyOriginCheck, resolveWsUrl } from './shell/origin.ts';
import { QueueBanner } from './shell/queue-banner.ts';
import { ViewportReporter } from './shell/viewport.ts';
import { Announcer } from './shell/announcer.ts';
import { applyLocale } from './shell/locale.ts';
import { t } from './i18n/current.ts';

const FRAME_SANDBOX = 'allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox allow-modals allow-downloads';

function start(): void {
  const cfg = readClientConfig(document);
  // Before any widget is built: every string comes from the chosen catalogue.
  applyLocale(document, cfg);
  const app = document.getElementById('cb-app') ?? document.body;
  const sid = cfg.sessionId;

  let agent: AgentInfo | null = null;
  let state: SessionInfo['state'] = 'queued';
  let sharing = true;
  let control = false;
  let ended = false;
  /** The socket has been welcomed at least once (frames about the frame may flow). */
  let welcomed = false;
  /** A new socket: report the frame's size once the session (and so the sharing state) is known. */
  let viewportDue = false;
  /** An offline message is on its way: the gateway's `ended` must not replace its confirmation. */
  let offlineSending = false;
  let endedWhileSending: string | null = null;
  let offlineReason: 'no-agents' | 'wait-exceeded' = 'no-agents';

  const agentName = () => agent?.name || t('agent.fallback');
  const send = (f: ClientFrame) => {
    if (!ended) ws.send(f);
  };

  // ---------------------------------------------------------------- frame
  const iframe = h('iframe', {
    class: 'cb-frame',
    'data-testid': 'cobrowse-frame',
    title: t('frame.title'),
    sandbox: FRAME_SANDBOX,
    referrerpolicy: 'no-referrer',
    src: 'about:blank',
  });
  let pageUrl: string | null = safeHttpUrl(cfg.entryUrl);
  /** Whether this page load already sent its state to an agent who was there before it. */
  let caughtUp = false;

  const bridge = new CobrowseBridge({
    iframe,
    role: 'visitor',
    isProxyOrigin: makeProxyOriginCheck(location.protocol, cfg.proxyOriginSuffix),
    peerLabel: t('agent.label'),
    send: (f) => {
      if (!sharing || ended) return;
      // Until an agent is with us only the page address matters (the gateway records it).
      if (f.type !== 'nav' && state !== 'active') return;
      send({ ...f, sessionId: sid } as ClientFrame);
    },
    onPage: (url) => {
      if (url !== pageUrl) tabsView.hideEscape();
      pageUrl = safeHttpUrl(url) ?? pageUrl;
      notices.hideProblem();
      // After the visitor reloads mid-session, the visitor's page is the truth: once the browser
      // has restored its scroll, send the position and form state so the agent catches up.
      if (!caughtUp && state === 'active') {
        caughtUp = true;
        setTimeout(() => {
          if (sharing && !ended) bridge.requestLocalSync();
        }, 400);
      }
    },
    onProblem: (_code, message, url) => notices.showProblem(message, url ?? pageUrl),
    onTabs: (st) => tabsView.render(st),
    onEscape: (e) => tabsView.showEscape(e.message),
  });
  const tabsView = new SharedTabsView(
    (id) => bridge.switchTab(id),
    (id) => bridge.closeTab(id),
  );

  // ---------------------------------------------------------------- widgets
  const notices = new Notices(() => setSharing(true, true));
  const announcer = new Announcer();
  const queue = new QueueBanner((text) => announcer.say(text));
  const sharingBtn = h('button', { type: 'button', class: 'cb-tool', 'data-testid': 'stop-sharing', 'aria-pressed': 'false', onclick: () => setSharing(!sharing, true) }, t('tool.stopSharing'));
  const endBtn = h('button', { type: 'button', class: 'cb-tool cb-tool-danger', 'data-testid': 'end-session', onclick: () => end.openConfirm() }, t('tool.end'));
  const offline = new OfflineForm({
    sessionId: sid,
    siteId: cfg.siteId,
    onSending: () => {
      offlineSending = true;
      endedWhileSending = null;
    },
    onSent: ({ name, email }) => {
      offlineSending = false;
      finish();
      end.showOfflineSent(name, email, pageUrl);
      closeSoon(2000);
    },
    onFailed: () => {
      offlineSending = false;
      if (endedWhileSending !== null) showEnded(endedWhileSending);
    },
    onDismiss: () => {
      chat.showSlot(null);
      show(offline.reopen, !ended && state !== 'active');
    },
  });
  offline.reopen.addEventListener('click', () => openOffline(offlineReason));
  const chat = new ChatPanel({
    toolbar: [sharingBtn, offline.reopen, endBtn],
    onSend: (text) => {
      const clientId = newClientId();
      chat.addLocal(clientId, text);
      send({ type: 'chat', sessionId: sid, clientId, text });
    },
    onTyping: (on) => {
      if (state === 'active') send({ type: 'typing', sessionId: sid, on });
    },
    onAttach: (file) => void attach(file),
    attachmentHref: (id) => attachmentHref(id, sid),
    onRead: (seq) => send({ type: 'read', sessionId: sid, seq }),
    announce: (text) => announcer.say(text),
  });
  const consent = new Consent({
    onAnswer: (allow) => {
      if (allow && !sharing) setSharing(true, true);
      send({ type: 'control', sessionId: sid, action: allow ? 'grant' : 'deny' });
      setControl(allow);
    },
    onRevoke: () => {
      send({ type: 'control', sessionId: sid, action: 'revoke' });
      setControl(false);
    },
  });
  const end = new EndPanel({
    sessionId: sid,
    onConfirm: (rating) => {
      if (ended) return;
      ws.send({ type: 'end', sessionId: sid, ...(rating ? { rating } : {}) });
      showEnded(t('ended.byVisitor'), rating);
    },
  });

  const viewport = new ViewportReporter({
    el: iframe,
    allowed: () => welcomed && sharing && !ended,
    send: ({ w, h: height }) => send({ type: 'viewport', sessionId: sid, w, h: height }),
  });

  // Focus order follows the layout: a skip link, the notices at the top, the page, the chat.
  const skip = h('a', { class: 'cb-skip', href: '#cb-chat-title', 'data-testid': 'skip-to-chat', onclick: (ev: MouseEvent) => (ev.preventDefault(), chat.focusInput()) }, t('skip.chat'));
  app.append(
    skip,
    h('div', { class: 'cb-top' }, queue.el, queue.joined, consent.banner, notices.paused, notices.problem, tabsView.escape, notices.error),
    tabsView.strip,
    iframe,
    notices.connection,
    chat.el,
    chat.launcher,
    consent.dialog,
    end.confirm,
    end.screen,
    announcer.el,
  );
  chat.setEnabled(true);

  // ---------------------------------------------------------------- state changes
  function setSharing(on: boolean, tell: boolean): void {
    if (sharing === on) return;
    sharing = on;
    sharingBtn.textContent = on ? t('tool.stopSharing') : t('tool.resumeSharing');
    sharingBtn.setAttribute('aria-pressed', String(!on));
    notices.setPaused(!on);
    if (!on && control) {
      if (tell) send({ type: 'control', sessionId: sid, action: 'revoke' });
      setControl(false);
    }
    if (tell) send({ type: 'sharing', sessionId: sid, on });
    // Catch the agent up with where we are now.
    if (on && tell && bridge.frameUrl) send({ type: 'nav', sessionId: sid, url: bridge.frameUrl, kind: 'load' });
    if (on) viewport.report(true);
    updateHeader();
  }

  function setControl(granted: boolean): void {
    control = granted;
    bridge.setRole(granted);
    consent.setGranted(granted, agentName());
  }

  function updateHeader(): void {
    if (ended) return chat.setHeader(t('header.title'), t('header.ended'));
    if (state === 'active' && agent) {
      chat.setHeader(agent.name, sharing ? t('header.seesPage') : t('header.paused'));
    } else chat.setHeader(t('header.title'), t('header.waiting'));
  }

  /** The session is over for this shell: no more frames, the composer is disabled. */
  function finish(): void {
    if (ended) return;
    ended = true;
    chat.setEnabled(false);
    chat.showSlot(null);
    show(offline.reopen, false);
    consent.close();
    setControl(false);
    queue.showWaiting(false);
    notices.hideConnection();
    updateHeader();
  }

  function showEnded(text: string, rating?: number): void {
    finish();
    end.showEnded(text, pageUrl, rating);
    // The gateway confirms with `ended` (then we close); if it never does, stop anyway.
    closeSoon(15_000);
  }

  /** The gateway says the session is over; while an offline message is being sent, its reply decides what to show. */
  function endedByGateway(text: string): void {
    if (offlineSending) {
      endedWhileSending = text;
      return;
    }
    if (!ended) showEnded(text);
  }

  function openOffline(reason: 'no-agents' | 'wait-exceeded'): void {
    if (ended || state === 'active') return;
    offlineReason = reason;
    offline.prepare(reason, chat.visitorTexts());
    show(offline.reopen, false);
    chat.showSlot(offline.el);
    offline.focus();
  }

  function closeOffline(): void {
    if (offlineSending) return;
    chat.showSlot(null);
    show(offline.reopen, false);
  }

  async function attach(file: File): Promise<void> {
    if (ended) return;
    const problem = attachmentProblem(file);
    if (problem) return chat.setUploadStatus(problem, 'error');
    chat.setUploadStatus(t('attach.sending', { name: file.name }));
    const r = await uploadAttachment(sid, file);
    // On success the file shows in the log when the gateway's `event` arrives.
    if (r.ok) chat.setUploadStatus(null);
    else chat.setUploadStatus(r.message, 'error');
  }

  let closeTimer: ReturnType<typeof setTimeout> | null = null;
  function closeSoon(ms: number): void {
    if (closeTimer) clearTimeout(closeTimer);
    closeTimer = setTimeout(() => ws.close(), ms);
  }

  function onSession(s: SessionInfo): void {
    if (s.sessionId !== sid) return;
    const prevAgent = agent;
    state = s.state;
    agent = s.agent;
    if (s.proxyUrl && s.url) bridge.navigate(s.url, s.proxyUrl);
    else if (!s.url && s.state !== 'ended' && !bridge.frameUrl) {
      // The gateway would not proxy the page the visitor came from (not an allowed target).
      notices.showProblem(t('problem.entryBlocked'), cfg.entryUrl);
    }
    if (s.url) pageUrl = safeHttpUrl(s.url) ?? pageUrl;
    if (s.state === 'ended') {
      endedByGateway(t('ended.generic'));
      return;
    }
    queue.showWaiting(s.state === 'queued' || s.state === 'ringing');
    if (s.state === 'active') closeOffline();
    if (s.state === 'active' && agent) {
      chat.setAgentName(agent.name);
      bridge.setPeerLabel(agent.name);
      if (!prevAgent || prevAgent.id !== agent.id) queue.agentJoined(agent.name);
    }
    if (s.sharing !== undefined && s.sharing !== sharing) setSharing(s.sharing, false);
    if (s.control !== undefined && s.control !== control) setControl(s.control);
    updateHeader();
    if (viewportDue) {
      viewportDue = false;
      viewport.report(true); // skipped while sharing is paused; resuming reports it
    }
  }

  function onFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'welcome':
        welcomed = true;
        chat.setLiveSince(f.serverTime);
        viewportDue = true;
        return;
      case 'session':
        return onSession(f.session);
      case 'offline.offer':
        if (f.sessionId === sid && state !== 'active') openOffline(f.reason);
        return;
      case 'read':
        if (f.sessionId === sid && f.from === 'agent') chat.setPeerRead(f.seq);
        return;
      case 'queue.position':
        if (f.sessionId === sid) queue.setPosition(f.position, f.estimatedWaitSeconds, f.agentsOnline);
        return;
      case 'event':
        if (f.event.sessionId === sid) chat.addEvent(f.event);
        return;
      case 'ack':
        return chat.ack(f.clientId, f.seq);
      case 'navigate':
        if (f.sessionId === sid) bridge.navigate(f.url, f.proxyUrl);
        return;
      case 'typing':
        if (f.from === 'agent') chat.setPeerTyping(f.on);
        return;
      case 'control':
        if (f.from !== 'agent') return;
        if (f.action === 'request') consent.ask(agentName());
        else if (f.action === 'revoke') {
          consent.close();
          setControl(false);
        }
        return;
      case 'ended':
        if (f.sessionId !== sid) return;
        endedByGateway(f.by === 'agent' ? t('ended.byAgent', { name: agentName() }) : f.reason ? t('ended.withReason', { reason: f.reason }) : t('ended.plain'));
        closeSoon(offlineSending ? 2000 : 300);
        return;
      case 'error':
        if (f.code === 'CB_ERR_SESSION_ENDED') return endedByGateway(t('ended.generic'));
        if (f.code === 'CB_ERR_SESSION_UNKNOWN') return showEnded(t('ended.invalidLink'));
        return notices.showError(f.message);
      case 'history':
      case 'scroll':
      case 'pointer':
      case 'form':
      case 'focus':
      case 'draw':
      case 'highlight':
      case 'act':
      case 'resync':
      case 'tabs':
      case 'escape':
        if (sharing && !ended) bridge.handleRemote(f);
        return;
      default:
        return;
    }
  }

  const ws = new WsClient({
    url: resolveWsUrl(cfg.wsUrl, location.href),
    onFrame: (f) => {
      try {
        onFrame(f);
      } catch (err) {
        console.error('[cobrowse] shell error', err);
      }
    },
    onState: (s) => {
      if (!ended) notices.setConnection(s);
    },
    onFatal: (code) => {
      if (ended) return;
      endedByGateway(code === 4404 ? t('ended.invalidLink') : t('ended.generic'));
    },
  });

  updateHeader();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();

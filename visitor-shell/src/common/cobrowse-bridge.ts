// Connects a co-browse <iframe> (a proxied page with the injected overlay) to the channel.
// Shared by the visitor shell and the agent console so both parties behave identically.
// The embedding window holds the WebSocket; the overlay inside the proxied page only talks to us by
// postMessage, so the page's own scripts never see a credential.
import { parseFrameUp, type EscapeKind, type FrameDown, type ServerFrame, type ClientFrame } from '../../../protocol/index.ts';
import { SharedTabs, type TabState } from './shared-tabs.ts';

type Outgoing = Extract<ClientFrame, { type: 'nav' | 'scroll' | 'pointer' | 'form' | 'focus' | 'draw' | 'highlight' | 'act' | 'tabs' | 'escape' }>;
/** Session-scoped frames without the sessionId: the caller adds it. */
export type BridgeSend = (frame: DistributiveOmit<Outgoing, 'sessionId'>) => void;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface BridgeOptions {
  iframe: HTMLIFrameElement;
  role: 'visitor' | 'agent';
  /** Whether a postMessage origin is one of our proxy origins (e.g. http://<token>.localhost:8081). */
  isProxyOrigin: (origin: string) => boolean;
  send: BridgeSend;
  /** Label drawn beside the other party's cursor. */
  peerLabel: string;
  /** The frame reported a page: useful for URL bars and page lists. */
  onPage?: (url: string, title?: string) => void;
  /** The proxy could not show the page. */
  onProblem?: (code: string, message: string, url?: string) => void;
  /** The shared tab list changed (shown when there is more than one tab). */
  onTabs?: (state: TabState) => void;
  /** Something left the proxy, in this party's page (`self`) or the other's (`peer`). */
  onEscape?: (e: { kind: EscapeKind; url?: string; by: 'self' | 'peer'; message: string }) => void;
}

const LEFT_PROXY_GRACE_MS = 2000;

/** What each escape means for the person looking at the page. */
export function escapeMessage(kind: EscapeKind, url?: string): string {
  let host = '';
  try {
    if (url) host = new URL(url).host;
  } catch {
    /* no host */
  }
  const at = host ? ` (${host})` : '';
  switch (kind) {
    case 'navigation':
      return `The page went to another address outside co-browsing${at}; the two views may differ now.`;
    case 'left-proxy':
      return 'This page is not shown through co-browsing (it left it, or it is not a web page); the two views may differ now.';
    case 'subresource':
      return `Part of this page was loaded directly from the site${at}, outside co-browsing; it may look different for each of you.`;
    case 'no-navigation-api':
      return 'This browser cannot keep every link inside co-browsing; some pages may open outside it.';
    case 'worker':
      return 'A background script of this page runs outside co-browsing; parts of the page may differ.';
  }
}

export class CobrowseBridge {
  #o: BridgeOptions;
  /** URL both parties are known to share (last navigate sent or received). */
  sharedUrl: string | null = null;
  /** URL the frame itself last reported. */
  frameUrl: string | null = null;
  #frameOrigin: string | null = null;
  #controlGranted = false;
  #onMessage = (ev: MessageEvent) => this.#fromFrame(ev);
  /** The tabs both parties share. */
  readonly tabs = new SharedTabs();
  /**
   * Whether the frame's overlay spoke since its last `load`: a page without one left the proxy. The
   * frame's `load` and its overlay's `ready` cross processes separately and may arrive in either
   * order, so a silent load is judged after a grace period, by whether anything arrived since.
   */
  #heard = false;
  #heardCount = 0;
  #onLoad = () => {
    const silent = !this.#heard && this.#frameOrigin !== null;
    this.#heard = false;
    if (!silent) return;
    const at = this.#heardCount;
    setTimeout(() => {
      if (this.#heardCount === at) this.#escape('left-proxy', undefined, true);
    }, LEFT_PROXY_GRACE_MS);
  };

  constructor(opts: BridgeOptions) {
    this.#o = opts;
    // The frame's name tells the overlay its party from the page's first script on, before any
    // postMessage can arrive (the agent's copy must not send data while the page is still loading).
    opts.iframe.name = `cb-${opts.role}`;
    window.addEventListener('message', this.#onMessage);
    opts.iframe.addEventListener('load', this.#onLoad);
  }

  dispose(): void {
    window.removeEventListener('message', this.#onMessage);
    this.#o.iframe.removeEventListener('load', this.#onLoad);
  }

  /** Switch the shared view to a tab (this party's click): both parties follow. */
  switchTab(id: string): void {
    const url = this.tabs.activate(id);
    if (!url) return;
    this.#sendTabs();
    this.#post({ cb: 1, type: 'go', url });
  }

  /** Close a tab; closing the shown one goes back to its neighbour. */
  closeTab(id: string): void {
    const url = this.tabs.close(id);
    this.#sendTabs();
    if (url) this.#post({ cb: 1, type: 'go', url });
  }

  #sendTabs(): void {
    const st = this.tabs.state();
    this.#o.onTabs?.(st);
    this.#o.send({ type: 'tabs', tabs: st.tabs, active: st.active });
  }

  #escape(kind: EscapeKind, url: string | undefined, local: boolean): void {
    this.#o.onEscape?.({ kind, url, by: local ? 'self' : 'peer', message: escapeMessage(kind, url) });
    if (local) this.#o.send({ type: 'escape', kind, url });
  }

  /** Show a page the channel agreed on (a `navigate` frame, or the session's current page). */
  navigate(url: string, proxyUrl: string): void {
    this.sharedUrl = url;
    if (this.frameUrl === url) return; // already there: a reload would lose form state and scroll
    this.#frameOrigin = new URL(proxyUrl).origin;
    this.#o.iframe.src = proxyUrl;
  }

  /** A relayed frame from the other party. */
  handleRemote(f: ServerFrame): void {
    switch (f.type) {
      case 'scroll':
        return this.#post({ cb: 1, type: 'scroll', scroll: f.scroll });
      case 'pointer':
        return this.#post({ cb: 1, type: 'pointer', path: f.path, fx: f.fx, fy: f.fy, click: f.click, label: this.#o.peerLabel });
      case 'form':
        return this.#post({ cb: 1, type: 'form', path: f.path, value: f.value, checked: f.checked, masked: f.masked });
      case 'focus':
        return this.#post({ cb: 1, type: 'focus', path: f.path, label: this.#o.peerLabel });
      case 'draw':
        return this.#post({ cb: 1, type: 'draw', points: f.points, clear: f.clear });
      case 'act':
        return this.#post({ cb: 1, type: 'act', path: f.path, action: f.action, value: f.value });
      case 'history':
        return this.#post({ cb: 1, type: 'history', action: f.action });
      case 'resync':
        return this.#post({ cb: 1, type: 'sync-request' });
      case 'highlight':
        return this.#post({ cb: 1, type: 'highlight', path: f.path, label: this.#o.peerLabel });
      case 'tabs':
        this.tabs.replace(f.tabs, f.active);
        return this.#o.onTabs?.(this.tabs.state());
      case 'escape':
        return this.#escape(f.kind, f.url, false);
      default:
        return;
    }
  }

  /** Change the label drawn beside the other party's cursor (e.g. once the agent's name is known). */
  setPeerLabel(label: string): void {
    this.#o = { ...this.#o, peerLabel: label };
  }

  /** Ask this party's own overlay to send its scroll and form state to the other party. */
  requestLocalSync(): void {
    this.#post({ cb: 1, type: 'sync-request' });
  }

  /** Switch this party's own frame between the pointer and the freehand drawing tool. */
  setTool(tool: 'pointer' | 'draw' | 'highlight'): void {
    this.#post({ cb: 1, type: 'tool', tool });
  }

  /** Tell the overlay about its role and whether remote control is granted. */
  setRole(controlGranted: boolean): void {
    this.#controlGranted = controlGranted;
    this.#post({ cb: 1, type: 'role', role: this.#o.role, controlGranted });
  }

  #post(msg: FrameDown): void {
    const w = this.#o.iframe.contentWindow;
    if (!w || !this.#frameOrigin) return;
    w.postMessage(msg, this.#frameOrigin);
  }

  #fromFrame(ev: MessageEvent): void {
    if (ev.source !== this.#o.iframe.contentWindow || !this.#o.isProxyOrigin(ev.origin)) return;
    if (!ev.data || typeof ev.data !== 'object' || (ev.data as { cb?: unknown }).cb !== 1) return;
    const parsed = parseFrameUp(ev.data);
    if (!parsed.ok) return;
    const m = parsed.value;
    this.#frameOrigin = ev.origin;
    this.#heard = true;
    this.#heardCount++;
    switch (m.type) {
      case 'ready':
      case 'nav': {
        this.frameUrl = m.url;
        this.tabs.onPage(m.url, m.type === 'ready' ? m.title : undefined);
        if (this.tabs.tabs.length > 1) this.#o.onTabs?.(this.tabs.state());
        this.#o.onPage?.(m.url, m.type === 'ready' ? m.title : undefined);
        if (m.type === 'ready') this.setRole(this.#controlGranted);
        if (m.url !== this.sharedUrl) {
          this.sharedUrl = m.url;
          this.#o.send({ type: 'nav', url: m.url, kind: m.type === 'ready' ? 'load' : m.kind, title: m.type === 'ready' ? m.title : undefined });
        }
        return;
      }
      case 'scroll':
        return this.#o.send({ type: 'scroll', scroll: m.scroll });
      case 'pointer':
        return this.#o.send({ type: 'pointer', path: m.path, fx: m.fx, fy: m.fy, click: m.click });
      case 'form':
        return this.#o.send({ type: 'form', path: m.path, value: m.value, checked: m.checked, masked: m.masked });
      case 'focus':
        return this.#o.send({ type: 'focus', path: m.path });
      case 'draw':
        return this.#o.send({ type: 'draw', points: m.points, clear: m.clear });
      case 'highlight':
        return this.#o.send({ type: 'highlight', path: m.path });
      case 'act':
        // Only the agent's copy produces these, and only while the visitor has granted control;
        // the gateway checks the grant again.
        if (this.#o.role === 'agent' && this.#controlGranted) this.#o.send({ type: 'act', path: m.path, action: m.action, value: m.value });
        return;
      case 'problem':
        return this.#o.onProblem?.(m.code, m.message, m.url);
      case 'open':
        this.tabs.open(m.url);
        return this.#sendTabs();
      case 'escape':
        return this.#escape(m.kind, m.url, true);
    }
  }
}

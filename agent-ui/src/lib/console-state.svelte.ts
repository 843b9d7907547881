// The agent console's state: who is signed in, the connection, the queue, and the sessions (tabs).
// All gateway frames go through handleFrame(); all frames the console sends go through #send().
// Components read the public $state fields and call the methods; they never touch the socket.
import type { AgentInfo, ClientFrame, QueueItem, ServerFrame, ServerFrameOf, SessionInfo } from '../../../protocol/index.ts';
import { WsClient, newClientId, type WsClientOptions, type WsState } from '../../../visitor-shell/src/common/ws-client.ts';
import type { BridgeSend, CobrowseBridge } from '../../../visitor-shell/src/common/cobrowse-bridge.ts';
import { Alerts } from './alerts.svelte.ts';
import { Clock } from './clock.svelte.ts';
import { shortUrl } from './format.ts';
import { SessionModel } from './session.svelte.ts';

export type AgentStatus = 'online' | 'away' | 'offline';

/** What the console needs from a socket: WsClient in the app, a fake in tests. */
export interface Transport {
  send(frame: ClientFrame): void;
  close(): void;
}

export interface ConsoleOptions {
  agent: AgentInfo;
  /** Defaults to ws(s)://<this origin>/ws/agent. */
  wsUrl?: string;
  createTransport?: (opts: WsClientOptions) => Transport;
  /** The gateway refused the socket for good (e.g. the sign-in expired). */
  onFatal?: (code: number, reason: string) => void;
  /**
   * Whether the sign-in is still valid. A refused WebSocket upgrade (HTTP 401) reaches the browser
   * as a plain close (1006), which the client retries forever; asking /api/me tells the two apart.
   */
  checkAuth?: () => Promise<boolean>;
}

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

type Relayed = ServerFrameOf<'scroll' | 'pointer' | 'form' | 'focus' | 'draw' | 'act' | 'history'>;

const NOTICE_MS = 6000;
/** The agent's own choice of status survives reconnects and reloads of this tab. */
const STATUS_KEY = 'cb.agent.status';
const AUTH_CHECK_EVERY_MS = 10_000;
/** An accept answered by a `session` within this time opens that session's tab. */
const ACCEPT_FOCUS_MS = 30_000;
const MAX_NOTIFICATIONS_AT_ONCE = 3;

export class ConsoleState {
  agent = $state.raw<AgentInfo>() as AgentInfo;
  status = $state<AgentStatus>(readChosenStatus());
  connection = $state<WsState>('connecting');
  /** At least one `welcome` since start: distinguishes "connecting" from "reconnecting". */
  connectedOnce = $state(false);
  queue = $state.raw<QueueItem[]>([]);
  sessions = $state<SessionModel[]>([]);
  activeId = $state<string | null>(null);
  notices = $state<Notice[]>([]);
  /** Accepts sent and not answered yet (button shows "Accepting…"). */
  accepting = $state<string[]>([]);

  readonly clock = new Clock();
  readonly alerts = new Alerts();

  active = $derived(this.sessions.find((s) => s.id === this.activeId) ?? null);
  /** Queue in display order: visitors offered to this agent first, then the gateway's order. */
  orderedQueue = $derived([...this.queue.filter((i) => i.offeredToMe), ...this.queue.filter((i) => !i.offeredToMe)]);
  /** Visitors this agent could take now: they drive the title badge and the repeating chime. */
  actionable = $derived(this.queue.filter((i) => i.canAccept || i.offeredToMe));
  /** Sessions still open with this agent. */
  openCount = $derived(this.sessions.filter((s) => !s.closed).length);

  #opts: ConsoleOptions;
  #client: Transport | null = null;
  #bridges = new Map<string, CobrowseBridge>();
  #seenQueue = new Set<string>();
  #acceptSentAt = new Map<string, number>();
  /** Tabs the agent closed: a later `session` frame for them (resume after reconnect) must not reopen them. */
  #closedIds = new Set<string>();
  /** The current connection attempt reached 'open'. */
  #opened = false;
  #lastAuthCheck = 0;
  /** What the agent picked in the status menu (the gateway may still set them away, e.g. missed offers). */
  #chosenStatus: 'online' | 'away' = readChosenStatus();
  /** Events that arrived before their session frame. */
  #orphans = new Map<string, ServerFrameOf<'event'>['event'][]>();
  #noticeId = 0;
  #lastNotice = { text: '', at: 0 };
  #onVisibility = () => {
    if (document.visibilityState === 'visible' && this.active) this.#markRead(this.active);
  };

  constructor(opts: ConsoleOptions) {
    this.#opts = opts;
    this.agent = opts.agent;
  }

  // ---------------------------------------------------------------- lifecycle

  start(): void {
    if (this.#client) return;
    this.clock.start();
    document.addEventListener('visibilitychange', this.#onVisibility);
    const url = this.#opts.wsUrl ?? `${location.origin.replace(/^http/, 'ws')}/ws/agent`;
    const create = this.#opts.createTransport ?? ((o: WsClientOptions) => new WsClient(o));
    this.#client = create({
      url,
      onFrame: (f) => this.handleFrame(f),
      onState: (s) => this.#onConnection(s),
      onFatal: (code, reason) => this.#opts.onFatal?.(code, reason),
    });
  }

  /** Signing out: the next agent in this tab starts with the defaults. */
  forgetChoices(): void {
    this.#chosenStatus = 'online';
    try {
      sessionStorage.removeItem(STATUS_KEY);
    } catch {
      /* nothing stored */
    }
  }

  dispose(): void {
    this.#client?.close();
    this.#client = null;
    this.clock.stop();
    this.alerts.dispose();
    document.removeEventListener('visibilitychange', this.#onVisibility);
    for (const s of this.sessions) s.dispose();
  }

  // ---------------------------------------------------------------- gateway → console

  handleFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'welcome':
        this.clock.sync(f.serverTime);
        if (f.agent) this.agent = f.agent;
        // The gateway starts every connection online; restore an "away" the agent chose.
        if (this.#chosenStatus === 'away') {
          this.status = 'away';
          this.#send({ type: 'status', status: 'away' });
          this.#updateRinging();
        }
        this.connectedOnce = true;
        for (const s of this.sessions) s.setPeerTyping(false);
        return;
      case 'pong':
        this.clock.sync(f.serverTime);
        return;
      case 'queue.snapshot':
        return this.#onQueue(f.items);
      case 'session':
        return this.#onSession(f.session);
      case 'event': {
        const s = this.#session(f.event.sessionId);
        if (!s) {
          if (this.#closedIds.has(f.event.sessionId)) return;
          const list = this.#orphans.get(f.event.sessionId) ?? [];
          list.push(f.event);
          this.#orphans.set(f.event.sessionId, list);
          return;
        }
        return this.#addEvent(s, f.event);
      }
      case 'ack':
        this.#session(f.sessionId)?.ack(f.clientId, f.seq);
        return;
      case 'read': {
        const s = this.#session(f.sessionId);
        if (s && f.from === 'visitor' && f.seq > s.peerReadSeq) s.peerReadSeq = f.seq;
        return;
      }
      case 'typing':
        if (f.from === 'visitor') this.#session(f.sessionId)?.setPeerTyping(f.on);
        return;
      case 'navigate': {
        const s = this.#session(f.sessionId);
        if (!s) return;
        s.info = { ...s.info, url: f.url, proxyUrl: f.proxyUrl };
        s.problem = null;
        this.#bridges.get(s.id)?.navigate(f.url, f.proxyUrl);
        return;
      }
      case 'scroll':
      case 'pointer':
      case 'form':
      case 'focus':
      case 'draw':
      case 'act':
      case 'history':
        return this.#relay(f);
      case 'control':
        return this.#onControl(f);
      case 'sharing': {
        const s = this.#session(f.sessionId);
        if (s && f.from === 'visitor') s.sharing = f.on;
        return;
      }
      case 'ended': {
        const s = this.#session(f.sessionId);
        if (!s) return;
        s.markEnded(f.by, f.reason);
        this.alerts.clear(`msg:${s.id}`);
        return;
      }
      case 'error':
        return this.#onError(f);
      case 'agent.status':
        if (f.status !== this.status && f.reason === 'missed-offers') {
          this.notify('info', 'You were set to Away after missing visitor offers. Switch back to Online when ready.');
        }
        // A connect-time "online" must not override the agent's own "away" (restored on welcome).
        if (f.status === 'online' && this.#chosenStatus === 'away' && f.reason !== 'set') return;
        this.status = f.status;
        this.#updateRinging();
        return;
      case 'queue.position':
        return; // visitor-only
    }
  }

  #onConnection(s: WsState) {
    this.connection = s;
    if (s === 'open') this.#opened = true;
    else if (s === 'connecting') this.#opened = false;
    else if (s === 'closed' && !this.#opened) void this.#verifyAuth();
  }

  async #verifyAuth() {
    const check = this.#opts.checkAuth;
    if (!check || !this.#client || Date.now() - this.#lastAuthCheck < AUTH_CHECK_EVERY_MS) return;
    this.#lastAuthCheck = Date.now();
    try {
      if (!(await check()) && this.#client) this.#opts.onFatal?.(4401, 'signed out');
    } catch {
      /* gateway unreachable: keep retrying */
    }
  }

  #onQueue(items: QueueItem[]) {
    const before = this.#seenQueue;
    const next = new Set(items.map((i) => i.sessionId));
    const fresh = items.filter((i) => (i.canAccept || i.offeredToMe) && !before.has(i.sessionId));
    // An item newly offered to me rings again even if it was listed before.
    const newlyOffered = items.filter(
      (i) => i.offeredToMe && before.has(i.sessionId) && !this.queue.find((q) => q.sessionId === i.sessionId)?.offeredToMe,
    );
    for (const id of before) if (!next.has(id)) this.alerts.clear(`queue:${id}`);
    this.#seenQueue = next;
    this.queue = items;
    this.accepting = this.accepting.filter((id) => next.has(id));
    const alertFor = [...newlyOffered, ...fresh];
    if (alertFor.length > 0 && this.status === 'online') {
      this.alerts.chime();
      for (const i of alertFor.slice(0, MAX_NOTIFICATIONS_AT_ONCE)) {
        const where = [i.siteId, i.department].filter(Boolean).join(' · ');
        this.alerts.notify(
          `queue:${i.sessionId}`,
          i.offeredToMe ? 'A visitor is ringing for you' : 'New visitor waiting',
          `${where}\n${shortUrl(i.entryUrl)}`,
          () => document.querySelector<HTMLElement>(`[data-queue-id="${i.sessionId}"] [data-testid="accept"]`)?.focus(),
        );
      }
    }
    this.#updateRinging();
  }

  #onSession(info: SessionInfo) {
    let s = this.#session(info.sessionId);
    const mine = info.agent?.id === this.agent.id;
    if (!s) {
      // Queue entries are listed in the queue, not as tabs; a session only becomes a tab once ours.
      if (!mine || (this.#closedIds.has(info.sessionId) && info.state === 'ended')) return;
      s = new SessionModel(info);
      this.sessions.push(s);
      s = this.#session(info.sessionId)!; // the proxied instance
      const orphans = this.#orphans.get(info.sessionId);
      this.#orphans.delete(info.sessionId);
      for (const e of orphans ?? []) this.#addEvent(s, e);
      const justAccepted = Date.now() - (this.#acceptSentAt.get(info.sessionId) ?? 0) < ACCEPT_FOCUS_MS;
      if (justAccepted || !this.activeId || this.active?.closed) this.select(info.sessionId);
    } else {
      s.applyInfo(info);
      if (!mine && info.state !== 'ended' && !s.releasedReason) {
        s.release(info.agent ? `Transferred to ${info.agent.name}` : 'Returned to the queue');
      } else if (mine && s.releasedReason) {
        s.releasedReason = null; // transferred back to us
      }
      const bridge = this.#bridges.get(s.id);
      if (bridge && info.url && info.proxyUrl && info.url !== bridge.sharedUrl) bridge.navigate(info.url, info.proxyUrl);
    }
    this.accepting = this.accepting.filter((id) => id !== info.sessionId);
    this.#acceptSentAt.delete(info.sessionId);
  }

  #addEvent(s: SessionModel, e: ServerFrameOf<'event'>['event']) {
    const { added, countsAsUnread } = s.addEvent(e);
    if (!added || !countsAsUnread) return;
    const visible = s.id === this.activeId && document.visibilityState === 'visible';
    if (visible) {
      this.#markRead(s);
    } else {
      s.unread += 1;
      this.alerts.chime();
      this.alerts.notify(`msg:${s.id}`, `${s.label} wrote`, e.text ?? '', () => this.select(s.id));
    }
  }

  #relay(f: Relayed) {
    this.#bridges.get(f.sessionId)?.handleRemote(f);
  }

  #onControl(f: ServerFrameOf<'control'>) {
    const s = this.#session(f.sessionId);
    if (!s || f.from !== 'visitor') return;
    const next = f.action === 'grant' ? 'granted' : f.action === 'deny' ? 'denied' : f.action === 'revoke' ? 'revoked' : s.control;
    s.control = next;
    this.#bridges.get(s.id)?.setRole(next === 'granted');
    const text =
      next === 'granted'
        ? `${s.label} gave you control of the page.`
        : next === 'denied'
          ? `${s.label} declined your control request.`
          : next === 'revoked'
            ? `${s.label} took back control.`
            : '';
    if (text) this.notify('info', text);
  }

  #onError(f: ServerFrameOf<'error'>) {
    const ref = f.ref ?? '';
    // The ref names what the error is about: a chat's clientId, or a session id.
    for (const s of this.sessions) if (ref && s.fail(ref)) break;
    const s = ref ? this.#session(ref) : undefined;
    if (f.code === 'CB_ERR_SESSION_ENDED' && s && !s.ended) s.markEnded('system', 'ended');
    if (s) s.ending = false;
    if (['CB_ERR_ALREADY_TAKEN', 'CB_ERR_NOT_OFFERED', 'CB_ERR_AT_CAPACITY', 'CB_ERR_SESSION_UNKNOWN'].includes(f.code)) {
      this.accepting = ref ? this.accepting.filter((id) => id !== ref) : [];
      if (ref) this.#acceptSentAt.delete(ref);
      else this.#acceptSentAt.clear();
    }
    this.notify('error', f.message);
  }

  // ---------------------------------------------------------------- console → gateway

  accept(sessionId: string): void {
    const item = this.queue.find((i) => i.sessionId === sessionId);
    if (!item?.canAccept || this.accepting.includes(sessionId)) return;
    this.accepting = [...this.accepting, sessionId];
    this.#acceptSentAt.set(sessionId, Date.now());
    this.alerts.clear(`queue:${sessionId}`);
    this.#send({ type: 'accept', sessionId });
  }

  /** Alt+A: the first visitor this agent can take, in display order. */
  acceptFirst(): boolean {
    const item = this.orderedQueue.find((i) => i.canAccept && !this.accepting.includes(i.sessionId));
    if (item) this.accept(item.sessionId);
    return !!item;
  }

  decline(sessionId: string): void {
    this.alerts.clear(`queue:${sessionId}`);
    this.#send({ type: 'decline', sessionId });
  }

  setStatus(status: 'online' | 'away'): void {
    this.status = status;
    this.#chosenStatus = status;
    try {
      sessionStorage.setItem(STATUS_KEY, status);
    } catch {
      /* storage disabled: the choice lasts until reload */
    }
    this.#send({ type: 'status', status });
    this.#updateRinging();
  }

  sendChat(sessionId: string, text: string): boolean {
    const s = this.#session(sessionId);
    const body = text.trim();
    if (!s || s.closed || !body) return false;
    const clientId = newClientId();
    s.addPending(clientId, 'chat', body, this.agent.name, this.clock.read());
    this.#send({ type: 'chat', sessionId, clientId, text: body });
    return true;
  }

  sendNote(sessionId: string, text: string): boolean {
    const s = this.#session(sessionId);
    const body = text.trim();
    if (!s || !body) return false;
    s.addPending(newClientId(), 'note', body, this.agent.name, this.clock.read());
    this.#send({ type: 'note', sessionId, text: body });
    return true;
  }

  setTyping(sessionId: string, on: boolean): void {
    const s = this.#session(sessionId);
    if (!s || (on && s.closed)) return;
    this.#send({ type: 'typing', sessionId, on });
  }

  lead(sessionId: string, url: string): void {
    const s = this.#session(sessionId);
    if (!s || s.closed) return;
    s.problem = null;
    this.#send({ type: 'lead', sessionId, url });
  }

  history(sessionId: string, action: 'back' | 'forward' | 'reload'): void {
    const s = this.#session(sessionId);
    if (!s || s.closed) return;
    this.#send({ type: 'history', sessionId, action });
  }

  requestControl(sessionId: string): void {
    const s = this.#session(sessionId);
    if (!s || s.closed) return;
    s.control = 'requested';
    this.#send({ type: 'control', sessionId, action: 'request' });
  }

  transfer(sessionId: string, to: { department?: string; note?: string }): void {
    const s = this.#session(sessionId);
    if (!s || s.closed) return;
    const department = to.department?.trim();
    const note = to.note?.trim();
    this.#send({
      type: 'transfer',
      sessionId,
      ...(department ? { toDepartment: department } : {}),
      ...(note ? { note } : {}),
    });
  }

  end(sessionId: string): void {
    const s = this.#session(sessionId);
    if (!s || s.closed || s.ending) return;
    s.ending = true;
    this.#send({ type: 'end', sessionId });
  }

  /** Remove a closed session's tab. */
  closeSession(sessionId: string): void {
    const idx = this.sessions.findIndex((s) => s.id === sessionId);
    if (idx < 0) return;
    this.sessions[idx].dispose();
    this.sessions.splice(idx, 1);
    this.#closedIds.add(sessionId);
    this.alerts.clear(`msg:${sessionId}`);
    if (this.activeId === sessionId) {
      const next = this.sessions[idx] ?? this.sessions[idx - 1] ?? null;
      this.activeId = null;
      if (next) this.select(next.id);
    }
  }

  select(sessionId: string): void {
    const s = this.#session(sessionId);
    if (!s) return;
    this.activeId = sessionId;
    s.unread = 0;
    this.alerts.clear(`msg:${sessionId}`);
    if (document.visibilityState === 'visible') this.#markRead(s);
  }

  /** Alt+N: the next tab, wrapping around. */
  selectNext(): void {
    if (this.sessions.length === 0) return;
    const idx = this.sessions.findIndex((s) => s.id === this.activeId);
    this.select(this.sessions[(idx + 1) % this.sessions.length].id);
  }

  /** Called when the active session's chat log is on screen and up to date. */
  markActiveRead(): void {
    if (this.active && document.visibilityState === 'visible') this.#markRead(this.active);
  }

  // ---------------------------------------------------------------- co-browse bridges

  /** The session's frame is mounted: relayed frames for it go to this bridge. */
  attachBridge(sessionId: string, bridge: CobrowseBridge): () => void {
    this.#bridges.set(sessionId, bridge);
    return () => {
      if (this.#bridges.get(sessionId) === bridge) this.#bridges.delete(sessionId);
    };
  }

  /** BridgeSend for a session: the bridge's frames lack the sessionId. Silent once the session closed. */
  bridgeSender(sessionId: string): BridgeSend {
    return (frame) => {
      const s = this.#session(sessionId);
      if (!s || s.closed) return;
      this.#send({ ...frame, sessionId } as ClientFrame);
    };
  }

  // ---------------------------------------------------------------- notices

  notify(kind: Notice['kind'], text: string): void {
    const now = Date.now();
    if (this.#lastNotice.text === text && now - this.#lastNotice.at < 3000) return;
    this.#lastNotice = { text, at: now };
    const id = ++this.#noticeId;
    this.notices = [...this.notices.slice(-3), { id, kind, text }];
    setTimeout(() => this.dismiss(id), NOTICE_MS);
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  // ---------------------------------------------------------------- internals

  #session(id: string): SessionModel | undefined {
    return this.sessions.find((s) => s.id === id);
  }

  #send(frame: ClientFrame) {
    this.#client?.send(frame);
  }

  #markRead(s: SessionModel) {
    s.unread = 0;
    const seq = s.takeReadSeq();
    if (seq !== null && !s.closed) this.#send({ type: 'read', sessionId: s.id, seq });
  }

  #updateRinging() {
    this.alerts.setRinging(this.status === 'online' && this.actionable.length > 0);
  }
}

function readChosenStatus(): 'online' | 'away' {
  try {
    return sessionStorage.getItem(STATUS_KEY) === 'away' ? 'away' : 'online';
  } catch {
    return 'online';
  }
}

// The agent console's state: who is signed in, the connection, the queue, and the sessions (tabs).
// All gateway frames go through handleFrame(); all frames the console sends go through #send().
// Components read the public $state fields and call the methods; they never touch the socket.
import type { AgentInfo, ClientFrame, QueueItem, ServerFrame, ServerFrameOf, SessionInfo } from '../../../protocol/index.ts';
import { WsClient, newClientId, type WsClientOptions, type WsState } from '../../../visitor-shell/src/common/ws-client.ts';
import type { BridgeSend, CobrowseBridge } from '../../../visitor-shell/src/common/cobrowse-bridge.ts';
import { Alerts } from './alerts.svelte.ts';
import { Clock } from './clock.svelte.ts';
import { shortUrl } from './format.ts';
import { ConsoleQueue } from './queue-window.ts';
import { SessionModel, type CobrowseTool } from './session.svelte.ts';
import { isSupervisorRole } from './agents.ts';
import { attachmentProblem } from './attachments.ts';
import { uploadAttachment } from './api.ts';
import { CannedStore } from './canned-store.svelte.ts';
import { AgentDirectory } from './directory.svelte.ts';
import { OfflineInbox } from './offline-inbox.svelte.ts';
import type { Overview } from './overview.ts';

export type AgentStatus = 'online' | 'away' | 'offline';
/** The console's pages: conversations (queue + tabs), the offline inbox, supervisor and admin pages. */
export type ConsolePage = 'conversations' | 'inbox' | 'supervisor' | 'admin';

/** What the console needs from a socket: WsClient in the app, a fake in tests. */
export interface Transport {
  send(frame: ClientFrame): void;
  close(): void;
}

export interface ConsoleOptions {
  agent: AgentInfo;
  /** Defaults to ws(s)://<this origin>/ws/agent. */
  wsUrl?: string;
  /** Uploads a file to a session's chat (POST /api/sessions/<id>/attachments); a fake in tests. */
  upload?: (sessionId: string, file: File) => Promise<unknown>;
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

type Relayed = ServerFrameOf<'scroll' | 'pointer' | 'form' | 'focus' | 'draw' | 'act' | 'history' | 'resync' | 'tabs' | 'escape'>;

const NOTICE_MS = 6000;
/** Notices that explain something the gateway did to the agent (e.g. set them away) stay longer. */
const LONG_NOTICE_MS = 12_000;
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
  /** The visible window of this agent's queue (the gateway sends its first entries). */
  queue = $state.raw<QueueItem[]>([]);
  /** Visitors in this agent's whole queue: the window plus "N more waiting". */
  queueTotal = $state(0);
  sessions = $state<SessionModel[]>([]);
  activeId = $state<string | null>(null);
  notices = $state<Notice[]>([]);
  /** Accepts sent and not answered yet (button shows "Accepting…"). */
  accepting = $state<string[]>([]);
  /** Which page the main area shows. */
  page = $state<ConsolePage>('conversations');
  /** Why the gateway changed this agent's status (e.g. away after missed offers); cleared by the agent's own choice. */
  statusReason = $state<string | null>(null);
  /** Supervisors: the latest `overview` push, and when it arrived (server time). */
  overview = $state.raw<Overview | null>(null);
  overviewAt = $state(0);

  readonly #queueWindow = new ConsoleQueue();
  readonly clock = new Clock();
  readonly alerts = new Alerts();
  /** REST-backed parts of the console (loaded on start; the directory when first needed). */
  readonly canned = new CannedStore();
  readonly inbox = new OfflineInbox();
  readonly directory = new AgentDirectory();

  active = $derived(this.sessions.find((s) => s.id === this.activeId) ?? null);
  /** Queue in display order: visitors offered to this agent first, then the gateway's order. */
  orderedQueue = $derived([...this.queue.filter((i) => i.offeredToMe), ...this.queue.filter((i) => !i.offeredToMe)]);
  /** Visitors this agent could take now: they drive the title badge and the repeating chime. */
  actionable = $derived(this.queue.filter((i) => i.canAccept || i.offeredToMe));
  /** Sessions still open with this agent. */
  openCount = $derived(this.sessions.filter((s) => !s.closed && !s.watched).length);
  isSupervisor = $derived(isSupervisorRole(this.agent.role));
  isAdmin = $derived(this.agent.role === 'admin');
  /** Session ids this supervisor is watching (open, read-only tabs). */
  watching = $derived(this.sessions.filter((s) => s.watched && !s.closed).map((s) => s.id));

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
  /** Watch requests sent and not answered by a `session` frame yet (that frame opens the tab). */
  #watchRequested = new Set<string>();
  /** Watched tabs closed with "Stop watching": kept so a later watch resumes their log (the socket drops replayed events). */
  #unwatched = new Map<string, SessionModel>();
  /** Sessions whose overlay should send its scroll and form state as soon as our frame is ready. */
  #wantResync = new Set<string>();
  /** Where a transfer we sent is going ("Transferred to …"), until the gateway releases the session. */
  #transferLabel = new Map<string, string>();
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
    void this.canned.load();
    this.inbox.start();
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
    this.inbox.stop();
    this.alerts.dispose();
    document.removeEventListener('visibilitychange', this.#onVisibility);
    for (const s of this.sessions) s.dispose();
  }

  // ---------------------------------------------------------------- gateway → console

  handleFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'welcome': {
        const reconnect = this.connectedOnce;
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
        // A new socket has no watch subscriptions: renew them (the replayed history is deduplicated).
        for (const s of this.sessions) if (s.watched && !s.closed) this.#send({ type: 'watch', sessionId: s.id, on: true });
        if (!this.isSupervisor) this.overview = null;
        // The visitor's overlay may have moved while we were away: ask for its state again.
        if (reconnect && this.active) this.requestResync(this.active.id);
        return;
      }
      case 'pong':
        this.clock.sync(f.serverTime);
        return;
      case 'queue.snapshot':
      case 'queue.delta': {
        const { items, total } = this.#queueWindow.apply(f);
        this.queueTotal = total;
        return this.#onQueue(items);
      }
      case 'session':
        return this.#onSession(f.session);
      case 'event': {
        const s = this.#session(f.event.sessionId);
        if (!s) {
          // A watched tab closed a moment ago: keep its log complete for a later watch.
          this.#unwatched.get(f.event.sessionId)?.addEvent(f.event);
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
      case 'highlight':
      case 'act':
      case 'history':
      case 'resync':
      case 'tabs':
      case 'escape':
        return this.#relay(f);
      case 'viewport': {
        const s = this.#session(f.sessionId);
        if (s && f.from === 'visitor' && (s.viewport?.w !== f.w || s.viewport?.h !== f.h)) s.viewport = { w: f.w, h: f.h };
        return;
      }
      case 'overview':
        this.overview = { queue: f.queue, agents: f.agents, sessions: f.sessions };
        this.overviewAt = this.clock.read();
        return;
      case 'offline.offer':
        return; // visitor-only
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
        const drawing = s.tool === 'draw';
        // The gateway releases the previous agent of a transferred or requeued session with an
        // `ended` of its own: the conversation goes on without us, it did not end.
        if (f.by === 'system' && (f.reason === 'transferred' || f.reason === 'agent-gone') && !s.watched) {
          if (!s.releasedReason) s.release(f.reason === 'agent-gone' ? 'Returned to the queue' : (this.#transferLabel.get(s.id) ?? 'Transferred'));
          this.#transferLabel.delete(s.id);
          if (drawing) this.#postTool(s, 'pointer');
          this.alerts.clear(`msg:${s.id}`);
          return;
        }
        s.markEnded(f.by, f.reason);
        if (drawing) this.#postTool(s, 'pointer');
        this.alerts.clear(`msg:${s.id}`);
        return;
      }
      case 'error':
        return this.#onError(f);
      case 'agent.status':
        if (f.reason) {
          // The gateway changed our status for a reason (e.g. missed offers): say so, loudly.
          this.statusReason = f.status === 'online' ? null : f.reason;
          if (f.status !== this.status) this.notify('info', f.reason, LONG_NOTICE_MS);
        } else if (f.status === 'online') {
          this.statusReason = null;
        }
        // A connect-time "online" must not override the agent's own "away" (restored on welcome).
        if (f.status === 'online' && this.#chosenStatus === 'away' && !f.reason) return;
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
    const watchAsked = this.#watchRequested.delete(info.sessionId);
    if (!s) {
      // Queue entries are listed in the queue, not as tabs; a session only becomes a tab once ours
      // (or once a supervisor asked to watch it).
      const watch = !mine && watchAsked;
      if ((!mine && !watch) || (this.#closedIds.has(info.sessionId) && info.state === 'ended' && !watch)) return;
      this.#closedIds.delete(info.sessionId);
      const kept = this.#unwatched.get(info.sessionId);
      this.#unwatched.delete(info.sessionId);
      if (kept) kept.applyInfo(info);
      s = kept ?? new SessionModel(info);
      s.watched = watch;
      this.sessions.push(s);
      s = this.#session(info.sessionId)!; // the proxied instance
      const orphans = this.#orphans.get(info.sessionId);
      this.#orphans.delete(info.sessionId);
      for (const e of orphans ?? []) this.#addEvent(s, e);
      const justAccepted = Date.now() - (this.#acceptSentAt.get(info.sessionId) ?? 0) < ACCEPT_FOCUS_MS;
      if (justAccepted || watch || !this.activeId || this.active?.closed) this.select(info.sessionId);
    } else if (s.watched) {
      s.applyInfo(info);
      if (mine) s.watched = false; // handed to us: now ours to answer
    } else {
      s.applyInfo(info);
      if (!mine && info.state !== 'ended' && !s.releasedReason) {
        const drawing = s.tool === 'draw';
        s.release(info.agent ? `Transferred to ${info.agent.name}` : 'Returned to the queue');
        if (drawing) this.#postTool(s, 'pointer');
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
      if (s.watched) return; // watching is silent
      this.alerts.chime();
      const body = e.kind === 'attachment' ? `Sent a file: ${e.attachment?.name ?? 'attachment'}` : (e.text ?? '');
      this.alerts.notify(`msg:${s.id}`, `${s.label} wrote`, body, () => this.select(s.id));
    }
  }

  #relay(f: Relayed) {
    const bridge = this.#bridges.get(f.sessionId);
    if (!bridge) return;
    const s = this.#session(f.sessionId);
    // A supervisor sees both parties' cursors: name whose it is.
    if (s?.watched && (f.type === 'pointer' || f.type === 'focus')) {
      bridge.setPeerLabel(f.from === 'agent' ? (s.info.agent?.name ?? 'Agent') : 'Visitor');
    }
    bridge.handleRemote(f);
  }

  #onControl(f: ServerFrameOf<'control'>) {
    const s = this.#session(f.sessionId);
    if (!s || f.from !== 'visitor' || s.watched) return;
    const next = f.action === 'grant' ? 'granted' : f.action === 'deny' ? 'denied' : f.action === 'revoke' ? 'revoked' : s.control;
    s.control = next;
    this.#bridges.get(s.id)?.setRole(next === 'granted');
    const text =
      next === 'granted'
        ? `You have control: ${s.label} lets you click and type in their page.`
        : next === 'denied'
          ? `${s.label} declined your control request.`
          : next === 'revoked'
            ? `${s.label} revoked control.`
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
    if (ref && f.code === 'CB_ERR_SESSION_UNKNOWN' && (this.#watchRequested.delete(ref) || s?.watched)) {
      // Watching a session that ended meanwhile (e.g. renewing the watch after a reconnect).
      if (s && !s.ended) s.markEnded('system', 'ended');
      else this.notify('error', 'That session is no longer live.');
      return;
    }
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
    this.statusReason = null;
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
    if (!s || s.readOnly || !body) return false;
    const clientId = newClientId();
    s.addPending(clientId, 'chat', body, this.agent.name, this.clock.read());
    this.#send({ type: 'chat', sessionId, clientId, text: body });
    return true;
  }

  sendNote(sessionId: string, text: string): boolean {
    const s = this.#session(sessionId);
    const body = text.trim();
    if (!s || s.watched || !body) return false;
    s.addPending(newClientId(), 'note', body, this.agent.name, this.clock.read());
    this.#send({ type: 'note', sessionId, text: body });
    return true;
  }

  setTyping(sessionId: string, on: boolean): void {
    const s = this.#session(sessionId);
    if (!s || s.watched || (on && s.closed)) return;
    this.#send({ type: 'typing', sessionId, on });
  }

  lead(sessionId: string, url: string): void {
    const s = this.#session(sessionId);
    if (!s || s.readOnly) return;
    s.problem = null;
    this.#send({ type: 'lead', sessionId, url });
  }

  history(sessionId: string, action: 'back' | 'forward' | 'reload'): void {
    const s = this.#session(sessionId);
    if (!s || s.readOnly) return;
    this.#send({ type: 'history', sessionId, action });
  }

  requestControl(sessionId: string): void {
    const s = this.#session(sessionId);
    if (!s || s.readOnly) return;
    s.control = 'requested';
    this.#send({ type: 'control', sessionId, action: 'request' });
  }

  /** Hand the session to an agent, or to a department's queue (neither: anyone available). */
  transfer(sessionId: string, to: { agentId?: string; department?: string; note?: string }): void {
    const s = this.#session(sessionId);
    if (!s || s.readOnly) return;
    const agentId = to.agentId?.trim();
    const department = to.department?.trim();
    const note = to.note?.trim();
    const agentName = agentId ? this.directory.agents.find((a) => a.id === agentId)?.name : undefined;
    this.#transferLabel.set(sessionId, agentId ? `Transferred to ${agentName ?? 'another agent'}` : department ? `Transferred to ${department}` : 'Returned to the queue');
    this.#send({
      type: 'transfer',
      sessionId,
      ...(agentId ? { toAgentId: agentId } : department ? { toDepartment: department } : {}),
      ...(note ? { note } : {}),
    });
  }

  end(sessionId: string): void {
    const s = this.#session(sessionId);
    if (!s || s.readOnly || s.ending) return;
    s.ending = true;
    this.#send({ type: 'end', sessionId });
  }

  /** Remove a closed (or watched) session's tab. */
  closeSession(sessionId: string): void {
    const idx = this.sessions.findIndex((s) => s.id === sessionId);
    if (idx < 0) return;
    const s = this.sessions[idx];
    if (s.watched && !s.closed) {
      this.#send({ type: 'watch', sessionId, on: false });
      this.#unwatched.set(sessionId, s);
    } else {
      s.dispose();
    }
    this.sessions.splice(idx, 1);
    this.#closedIds.add(sessionId);
    this.#wantResync.delete(sessionId);
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
    const changed = this.activeId !== sessionId;
    this.activeId = sessionId;
    this.page = 'conversations';
    s.unread = 0;
    this.alerts.clear(`msg:${sessionId}`);
    if (document.visibilityState === 'visible') this.#markRead(s);
    if (changed) this.requestResync(sessionId);
  }

  showPage(page: ConsolePage): void {
    if (page === 'supervisor' && !this.isSupervisor) return;
    if (page === 'admin' && !this.isAdmin) return;
    this.page = page;
  }

  // ---------------------------------------------------------------- supervisor

  /** Watch a session silently (its tab opens read-only when the gateway answers). */
  watch(sessionId: string): void {
    if (!this.isSupervisor) return;
    const s = this.#session(sessionId);
    if (s) return this.select(sessionId); // ours, or already watched: just show it
    this.#watchRequested.add(sessionId);
    this.#send({ type: 'watch', sessionId, on: true });
  }

  stopWatching(sessionId: string): void {
    const s = this.#session(sessionId);
    if (s?.watched) this.closeSession(sessionId);
  }

  isWatching(sessionId: string): boolean {
    return this.watching.includes(sessionId);
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

  /** BridgeSend for a session: the bridge's frames lack the sessionId. Silent once closed, and when only watched. */
  bridgeSender(sessionId: string): BridgeSend {
    return (frame) => {
      const s = this.#session(sessionId);
      if (!s || s.readOnly) return;
      this.#send({ ...frame, sessionId } as ClientFrame);
    };
  }

  /** The session's frame reported a page (ready or nav), or went away (unmounted). */
  frameReady(sessionId: string, ready: boolean): void {
    const s = this.#session(sessionId);
    if (!s) return;
    s.frameReady = ready;
    if (ready) this.#flushResync(s);
  }

  /**
   * Ask the visitor's overlay for its current scroll and form state, once our frame shows the page
   * (the session just became the active one: accept, tab switch, reconnect).
   */
  requestResync(sessionId: string): void {
    const s = this.#session(sessionId);
    if (!s || s.readOnly) return;
    this.#wantResync.add(sessionId);
    this.#flushResync(s);
  }

  #flushResync(s: SessionModel) {
    if (!s.frameReady || !this.#wantResync.has(s.id)) return;
    this.#wantResync.delete(s.id);
    if (!s.readOnly) this.#send({ type: 'resync', sessionId: s.id });
  }

  /** Pointer (follow and point) or freehand drawing in this console's frame. */
  setTool(sessionId: string, tool: CobrowseTool): void {
    const s = this.#session(sessionId);
    if (!s || (s.readOnly && tool !== 'pointer')) return;
    s.tool = tool;
    this.#postTool(s, tool);
  }

  /** Tell the frame's overlay (only once it showed a page; the viewer re-applies the tool on each new page). */
  #postTool(s: SessionModel, tool: CobrowseTool) {
    if (s.frameReady) this.#bridges.get(s.id)?.setTool(tool);
  }

  /** Wipe every drawing, for both parties. */
  clearDrawings(sessionId: string): void {
    const s = this.#session(sessionId);
    if (!s || s.readOnly) return;
    this.#send({ type: 'draw', sessionId, points: [], clear: true });
    this.#bridges.get(sessionId)?.handleRemote({ type: 'draw', sessionId, from: 'agent', points: [], clear: true });
  }

  // ---------------------------------------------------------------- attachments

  /** Upload a file to the session's chat; it appears in the log as an `attachment` event. */
  async sendFile(sessionId: string, file: File): Promise<boolean> {
    const s = this.#session(sessionId);
    if (!s || s.readOnly) return false;
    const problem = attachmentProblem(file);
    if (problem) {
      this.notify('error', problem);
      return false;
    }
    s.uploading = [...s.uploading, file.name];
    try {
      await (this.#opts.upload ?? uploadAttachment)(sessionId, file);
      return true;
    } catch (e) {
      this.notify('error', `${file.name} was not sent: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    } finally {
      const i = s.uploading.indexOf(file.name);
      if (i >= 0) s.uploading.splice(i, 1);
    }
  }

  // ---------------------------------------------------------------- notices

  notify(kind: Notice['kind'], text: string, ms = NOTICE_MS): void {
    const now = Date.now();
    if (this.#lastNotice.text === text && now - this.#lastNotice.at < 3000) return;
    this.#lastNotice = { text, at: now };
    const id = ++this.#noticeId;
    this.notices = [...this.notices.slice(-3), { id, kind, text }];
    setTimeout(() => this.dismiss(id), ms);
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  // ---------------------------------------------------------------- internals

  #session(id: string): SessionModel | undefined {
    return this.sessions.find((s) => s.id === id);
  }

  #send(frame: ClientFrame) {
    // Watching is silent and read-only: the gateway refuses session frames from a watcher anyway.
    if (frame.type !== 'watch' && 'sessionId' in frame && frame.sessionId && this.#session(frame.sessionId)?.watched) return;
    this.#client?.send(frame);
  }

  #markRead(s: SessionModel) {
    s.unread = 0;
    if (s.watched) return;
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

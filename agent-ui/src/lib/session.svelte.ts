// One co-browse session as the console sees it: the gateway's SessionInfo plus everything the
// console learns over the channel (chat log, typing, sharing, control, the frame's page).
import type { Party, SessionEvent, SessionInfo } from '../../../protocol/index.ts';
import { addPending, insertEvent, markAcked, markFailed, pagesVisited, type ChatItem } from './chat.ts';
import { visitorLabel } from './format.ts';

export type ControlState = 'none' | 'requested' | 'granted' | 'denied' | 'revoked';
export type ComposeMode = 'reply' | 'note';
export type CobrowseTool = 'pointer' | 'draw' | 'highlight';

/** The visitor's typing indicator clears itself if no "typing off" arrives (lost frame, closed tab). */
const TYPING_TTL_MS = 8000;

export class SessionModel {
  readonly id: string;
  readonly label: string;
  /** Latest SessionInfo from the gateway (replaced whole on every `session` frame). */
  info = $state.raw<SessionInfo>() as SessionInfo;
  messages = $state<ChatItem[]>([]);
  unread = $state(0);
  peerTyping = $state(false);
  /** Highest seq the visitor has read (their `read` frames), for the "Seen" mark. */
  peerReadSeq = $state(0);
  sharing = $state(true);
  control = $state<ControlState>('none');
  /** Set when an `ended` frame arrives (the info may still say active until the next `session`). */
  endedBy = $state<Party | null>(null);
  endedReason = $state<string | null>(null);
  /** The session was moved away from this agent (transfer, requeue): no longer ours to answer. */
  releasedReason = $state<string | null>(null);
  ending = $state(false);
  /** Page the co-browse frame last reported (bridge onPage) and its title. */
  frameUrl = $state<string | null>(null);
  frameTitle = $state<string | null>(null);
  problem = $state<{ code: string; message: string; url?: string } | null>(null);
  /** Unsent text and composer mode survive switching tabs. */
  draft = $state('');
  composeMode = $state<ComposeMode>('reply');
  /** A supervisor watching silently: read-only, nothing is sent for this session. */
  watched = $state(false);
  /** The visitor's co-browse viewport (CSS px), from their `viewport` frames. */
  viewport = $state.raw<{ w: number; h: number } | null>(null);
  /** This console's tool in its own frame. */
  tool = $state<CobrowseTool>('pointer');
  /** Names of files being uploaded to the chat. */
  uploading = $state<string[]>([]);
  /** The mounted frame's overlay reported a page (ready or nav) since the frame was mounted. */
  frameReady = false;

  ended = $derived(this.endedBy !== null || this.info.state === 'ended');
  /** Ended or released: read-only. */
  closed = $derived(this.ended || this.releasedReason !== null);
  /** Nothing can be sent: closed, or only watched. */
  readOnly = $derived(this.closed || this.watched);
  pages = $derived(pagesVisited(this.info.pages, this.messages, this.info.url));
  /** Seq of the newest stored event (0 if none). */
  lastSeq = $derived(this.messages.reduce((m, i) => (!i.pending && i.seq !== null && i.seq > m ? i.seq : m), 0));

  /** Events up to this seq were history when the console first saw the session: not "unread". */
  readonly #historySeq: number;
  #typingTimer: ReturnType<typeof setTimeout> | null = null;
  /** Highest seq we told the gateway we read. */
  #readSent = 0;

  constructor(info: SessionInfo) {
    this.id = info.sessionId;
    this.label = visitorLabel(info.sessionId);
    this.info = info;
    this.#historySeq = info.lastSeq;
    if (info.sharing !== undefined) this.sharing = info.sharing;
    if (info.control) this.control = 'granted';
  }

  applyInfo(info: SessionInfo): void {
    this.info = info;
    if (info.sharing !== undefined) this.sharing = info.sharing;
    if (info.control !== undefined) {
      if (info.control) this.control = 'granted';
      else if (this.control === 'granted') this.control = 'revoked';
    }
    if (info.state === 'ended') this.#stopTyping();
  }

  /** Returns true when the event is a new visitor chat message that counts as unread. */
  addEvent(e: SessionEvent): { added: boolean; countsAsUnread: boolean } {
    const item = insertEvent(this.messages, e);
    if (!item) return { added: false, countsAsUnread: false };
    const fromVisitor = (e.kind === 'chat' || e.kind === 'attachment') && e.from === 'visitor';
    if (fromVisitor) this.#stopTyping();
    return { added: true, countsAsUnread: fromVisitor && e.seq > this.#historySeq };
  }

  addPending(clientId: string, kind: 'chat' | 'note', text: string, name: string | undefined, ts: number): void {
    addPending(this.messages, { clientId, kind, text, name, ts });
  }

  ack(clientId: string, seq: number): void {
    markAcked(this.messages, clientId, seq);
  }

  fail(clientId: string): boolean {
    return markFailed(this.messages, clientId);
  }

  setPeerTyping(on: boolean): void {
    if (this.#typingTimer) clearTimeout(this.#typingTimer);
    this.#typingTimer = null;
    this.peerTyping = on && !this.closed;
    if (this.peerTyping) this.#typingTimer = setTimeout(() => (this.peerTyping = false), TYPING_TTL_MS);
  }

  markEnded(by: Party, reason: string | undefined): void {
    this.endedBy = by;
    this.endedReason = reason ?? null;
    this.ending = false;
    this.tool = 'pointer';
    this.#stopTyping();
  }

  release(reason: string): void {
    this.releasedReason = reason;
    this.tool = 'pointer';
    this.#stopTyping();
  }

  /** The seq to report in a `read` frame, or null if nothing new was read since the last one. */
  takeReadSeq(): number | null {
    const seq = this.lastSeq;
    if (seq <= this.#readSent) return null;
    this.#readSent = seq;
    return seq;
  }

  dispose(): void {
    this.#stopTyping();
  }

  #stopTyping() {
    if (this.#typingTimer) clearTimeout(this.#typingTimer);
    this.#typingTimer = null;
    this.peerTyping = false;
  }
}

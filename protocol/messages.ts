// The wire protocol: one union of frames keyed by `type`, as valibot schemas so that the gateway,
// the visitor shell, the overlay and the agent console all validate with the same code.
// Runtime-neutral: no Node or DOM APIs here.
import * as v from 'valibot';
import { MAX_CHAT_CHARS, MAX_FORM_VALUE_CHARS, MAX_PATH_CHARS, MAX_URL_CHARS } from './limits.ts';

const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(64), v.regex(/^[A-Za-z0-9_-]+$/));
const Url = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_URL_CHARS));
const Path = v.pipe(v.string(), v.maxLength(MAX_PATH_CHARS));
const Seq = v.pipe(v.number(), v.integer(), v.minValue(0));
const Coord = v.pipe(v.number(), v.finite());
/** Agents name the session in every session-scoped frame; visitors may omit it (they have one). */
const Sid = v.optional(Id);

export const Party = v.picklist(['visitor', 'agent', 'system']);
export type Party = v.InferOutput<typeof Party>;

/** A scroll position: anchor element (stable path) plus offset, so different viewports land on the same content. */
export const ScrollState = v.object({
  /** '' for the window, else the stable path of the scrolled element. */
  target: Path,
  /** Stable path of the element at the top of the viewport ('' = document start). */
  anchor: Path,
  /** Pixels from the anchor's top to the viewport's top (may be negative). */
  offset: Coord,
  /** Fraction of the anchor's height that is above the viewport top; survives reflow better than px. */
  ratio: v.optional(v.pipe(v.number(), v.minValue(-1), v.maxValue(2))),
  /** Horizontal scroll in px (rarely differs between parties). */
  x: v.optional(Coord),
});
export type ScrollState = v.InferOutput<typeof ScrollState>;

/**
 * Shared tabs: a new window or `target=_blank` link opened from the co-browsed page becomes a tab
 * both parties see (the shared view switches to it; the other tabs are the way back). The whole
 * list travels in every `tabs` frame, so the last frame wins and nothing needs merging.
 */
export const MAX_SHARED_TABS = 8;
export const SharedTab = v.object({
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(16), v.regex(/^[A-Za-z0-9_-]+$/)),
  url: Url,
  title: v.optional(v.pipe(v.string(), v.maxLength(300))),
});
export type SharedTab = v.InferOutput<typeof SharedTab>;
const TabList = v.pipe(v.array(SharedTab), v.minLength(1), v.maxLength(MAX_SHARED_TABS));
const TabId = v.pipe(v.string(), v.minLength(1), v.maxLength(16));

/**
 * What left the proxy (a hole the overlay could not close, only detect): a navigation that went to
 * the real site, a request fetched directly, a browser without the Navigation API, a worker the
 * runtime could not wrap. Both parties are told, never a silent divergence.
 */
export const EscapeKind = v.picklist(['navigation', 'subresource', 'no-navigation-api', 'worker', 'left-proxy']);
export type EscapeKind = v.InferOutput<typeof EscapeKind>;

// ---------------------------------------------------------------- client → gateway

export const ClientFrame = v.variant('type', [
  /** First frame after open: the last sequence number seen per session, to replay exactly the gap. */
  v.object({ type: v.literal('hello'), resume: v.optional(v.record(Id, Seq)) }),
  v.object({ type: v.literal('ack'), sessionId: Sid, seq: Seq }),
  v.object({ type: v.literal('read'), sessionId: Sid, seq: Seq }),
  v.object({
    type: v.literal('chat'),
    sessionId: Sid,
    /** Client-chosen id, echoed in the ack; a resend with the same id is stored once. */
    clientId: Id,
    text: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_CHAT_CHARS)),
  }),
  v.object({ type: v.literal('typing'), sessionId: Sid, on: v.boolean() }),
  /** The sender's co-browse frame is now at `url` (real URL, not the proxy URL). */
  v.object({
    type: v.literal('nav'),
    sessionId: Sid,
    url: Url,
    title: v.optional(v.pipe(v.string(), v.maxLength(300))),
    kind: v.optional(v.picklist(['load', 'push', 'replace', 'pop', 'hash'])),
  }),
  /** Agent leads both parties to a URL. */
  v.object({ type: v.literal('lead'), sessionId: Id, url: Url }),
  /** Agent drives the visitor's history. */
  v.object({ type: v.literal('history'), sessionId: Id, action: v.picklist(['back', 'forward', 'reload']) }),
  v.object({ type: v.literal('scroll'), sessionId: Sid, scroll: ScrollState }),
  v.object({
    type: v.literal('pointer'),
    sessionId: Sid,
    /** Stable path of the element under the pointer, and the position inside it as fractions. */
    path: Path,
    fx: Coord,
    fy: Coord,
    click: v.optional(v.boolean()),
  }),
  v.object({
    type: v.literal('form'),
    sessionId: Sid,
    path: Path,
    value: v.optional(v.pipe(v.string(), v.maxLength(MAX_FORM_VALUE_CHARS))),
    checked: v.optional(v.boolean()),
    /** The field is masked on the visitor's device: no value is ever sent. */
    masked: v.optional(v.boolean()),
  }),
  v.object({ type: v.literal('focus'), sessionId: Sid, path: v.nullable(Path) }),
  v.object({
    type: v.literal('draw'),
    sessionId: Sid,
    /** Flat list of x,y pairs as fractions of the document size; empty with clear=true to wipe. */
    points: v.pipe(v.array(Coord), v.maxLength(2000)),
    clear: v.optional(v.boolean()),
  }),
  /** Highlight an element for the other party ("look here"); cleared with drawings and on navigation. */
  v.object({ type: v.literal('highlight'), sessionId: Sid, path: Path }),
  /** Remote control: agent asks, visitor grants or revokes; visitor can stop sharing entirely. */
  v.object({ type: v.literal('control'), sessionId: Sid, action: v.picklist(['request', 'grant', 'deny', 'revoke']) }),
  v.object({ type: v.literal('sharing'), sessionId: Sid, on: v.boolean() }),
  /** Agent acting in the visitor's page (only with consent): click or type at an element. */
  v.object({
    type: v.literal('act'),
    sessionId: Id,
    path: Path,
    action: v.picklist(['click', 'input']),
    value: v.optional(v.pipe(v.string(), v.maxLength(MAX_FORM_VALUE_CHARS))),
  }),
  v.object({ type: v.literal('status'), status: v.picklist(['online', 'away']) }),
  v.object({ type: v.literal('accept'), sessionId: Id }),
  v.object({ type: v.literal('decline'), sessionId: Id }),
  v.object({
    type: v.literal('transfer'),
    sessionId: Id,
    toAgentId: v.optional(Id),
    toDepartment: v.optional(v.pipe(v.string(), v.maxLength(64))),
    note: v.optional(v.pipe(v.string(), v.maxLength(MAX_CHAT_CHARS))),
  }),
  /** Internal note, visible to agents only. */
  v.object({ type: v.literal('note'), sessionId: Id, text: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_CHAT_CHARS)) }),
  v.object({ type: v.literal('end'), sessionId: Sid, rating: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5))) }),
  /** The sender's co-browse viewport (CSS px), so the other party can render the page at that size. */
  v.object({
    type: v.literal('viewport'),
    sessionId: Sid,
    w: v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(10000)),
    h: v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(10000)),
  }),
  /** Ask the other party's overlay to send its current scroll and form state (after a join or reload). */
  v.object({ type: v.literal('resync'), sessionId: Sid }),
  /** Supervisor: silently watch (on) or stop watching (off) a session; the visitor is not told. */
  v.object({ type: v.literal('watch'), sessionId: Id, on: v.boolean() }),
  /** The shared tab list changed (a tab opened, switched or closed in the sender's view). */
  v.object({ type: v.literal('tabs'), sessionId: Sid, tabs: TabList, active: TabId }),
  /** The sender's page escaped the proxy in a way the overlay could only detect. */
  v.object({ type: v.literal('escape'), sessionId: Sid, kind: EscapeKind, url: v.optional(Url) }),
  /** Keep-alive from the client; the gateway answers with pong. */
  v.object({ type: v.literal('ping'), t: v.optional(v.number()) }),
]);
export type ClientFrame = v.InferOutput<typeof ClientFrame>;
export type ClientFrameType = ClientFrame['type'];

/** Frames the gateway relays between the two parties without storing them. */
export const RELAYED_TYPES = ['typing', 'scroll', 'pointer', 'form', 'focus', 'draw', 'highlight', 'act', 'viewport', 'resync', 'tabs', 'escape'] as const;

// ---------------------------------------------------------------- gateway → client

export const AgentInfo = v.object({ id: Id, name: v.string(), email: v.optional(v.string()), role: v.optional(v.string()) });
export type AgentInfo = v.InferOutput<typeof AgentInfo>;

export const SessionState = v.picklist(['queued', 'ringing', 'active', 'ended']);
export type SessionState = v.InferOutput<typeof SessionState>;

export const SessionInfo = v.object({
  sessionId: Id,
  state: SessionState,
  siteId: v.string(),
  department: v.optional(v.nullable(v.string())),
  entryUrl: v.string(),
  /** Current real URL of the shared page, and the proxy URL that shows it. */
  url: v.nullable(v.string()),
  proxyUrl: v.nullable(v.string()),
  agent: v.nullable(AgentInfo),
  userAgent: v.optional(v.string()),
  /** The visitor's language, BCP 47 (e.g. 'de-DE'). */
  language: v.optional(v.pipe(v.string(), v.maxLength(35))),
  createdAt: v.number(),
  acceptedAt: v.optional(v.nullable(v.number())),
  lastSeq: Seq,
  sharing: v.optional(v.boolean()),
  control: v.optional(v.boolean()),
  pages: v.optional(v.array(v.string())),
});
export type SessionInfo = v.InferOutput<typeof SessionInfo>;

export const QueueItem = v.object({
  sessionId: Id,
  siteId: v.string(),
  department: v.nullable(v.string()),
  entryUrl: v.string(),
  waitingSince: v.number(),
  priority: v.number(),
  /** Set while the visitor is offered (auto routing) to this agent; then only they may accept. */
  offeredToMe: v.boolean(),
  offerExpiresAt: v.nullable(v.number()),
  /** Whether this agent may accept now (manual mode, or offered to them, and under capacity). */
  canAccept: v.boolean(),
});
export type QueueItem = v.InferOutput<typeof QueueItem>;

const Index = v.pipe(v.number(), v.integer(), v.minValue(0));

/**
 * Gateway → agent: changes to the visible window of the agent's queue since the last snapshot or
 * delta (protocol/queue-delta.ts diffs and applies them). Defined here, beside QueueItem, so the one
 * ServerFrame validator covers it without an import cycle.
 */
export const QueueDeltaFrame = v.object({
  type: v.literal('queue.delta'),
  /** Visitors in this agent's whole queue (the window shows the first of them). */
  total: Index,
  /** Left the window (served, left, or pushed out past the limit). */
  removed: v.array(v.string()),
  /** New in the window, at their index in the new window. */
  added: v.array(v.object({ index: Index, item: QueueItem })),
  /** Still in the window but out of their previous order: their index in the new window. */
  moved: v.array(v.object({ sessionId: v.string(), index: Index })),
  /** Still in the window with changed fields (offer, accept right, ...): the whole new item. */
  updated: v.array(QueueItem),
});
export type QueueDeltaFrame = v.InferOutput<typeof QueueDeltaFrame>;

export const Attachment = v.object({
  id: Id,
  name: v.string(),
  type: v.string(),
  size: v.number(),
});
export type Attachment = v.InferOutput<typeof Attachment>;

export const SessionEvent = v.object({
  sessionId: Id,
  seq: Seq,
  ts: v.number(),
  kind: v.picklist(['chat', 'system', 'nav', 'note', 'attachment']),
  /** For kind 'attachment': download at /api/attachments/<id> (visitors add ?sid=<sessionId>). */
  attachment: v.optional(Attachment),
  from: Party,
  name: v.optional(v.string()),
  text: v.optional(v.string()),
  url: v.optional(v.string()),
  clientId: v.optional(v.string()),
});
export type SessionEvent = v.InferOutput<typeof SessionEvent>;

const relayed = <T extends v.ObjectEntries>(entries: T) => ({ ...entries, sessionId: Id, from: Party });

export const ServerFrame = v.variant('type', [
  v.object({
    type: v.literal('welcome'),
    role: v.picklist(['visitor', 'agent']),
    serverTime: v.number(),
    agent: v.optional(AgentInfo),
    sessionId: v.optional(Id),
    /** Which gateway instance holds this socket (INSTANCE_ID), for support and cluster tests. */
    instance: v.optional(v.pipe(v.string(), v.maxLength(64))),
  }),
  v.object({ type: v.literal('error'), code: v.string(), message: v.string(), ref: v.optional(v.string()) }),
  v.object({ type: v.literal('pong'), t: v.optional(v.number()), serverTime: v.number() }),
  v.object({
    type: v.literal('queue.position'),
    sessionId: Id,
    position: v.number(),
    estimatedWaitSeconds: v.nullable(v.number()),
    agentsOnline: v.number(),
  }),
  /**
   * The agent's queue as a whole: the first frame on (re)connect. `items` is the visible window (the
   * first QUEUE_WINDOW entries in serving order), `total` how many wait in all (absent from older
   * gateways, which sent the whole queue). Later changes come as `queue.delta`.
   */
  v.object({ type: v.literal('queue.snapshot'), items: v.array(QueueItem), total: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))) }),
  QueueDeltaFrame,
  v.object({ type: v.literal('session'), session: SessionInfo }),
  v.object({ type: v.literal('event'), event: SessionEvent }),
  /** The gateway stored a chat message: its sequence number. */
  v.object({ type: v.literal('ack'), sessionId: Id, clientId: v.string(), seq: Seq }),
  v.object({ type: v.literal('read'), sessionId: Id, from: Party, seq: Seq }),
  /** Load this page in the co-browse frame. */
  v.object({
    type: v.literal('navigate'),
    sessionId: Id,
    url: v.string(),
    proxyUrl: v.string(),
    by: Party,
  }),
  v.object({ type: v.literal('history'), sessionId: Id, action: v.picklist(['back', 'forward', 'reload']) }),
  v.object({ type: v.literal('typing'), ...relayed({ on: v.boolean() }) }),
  v.object({ type: v.literal('scroll'), ...relayed({ scroll: ScrollState }) }),
  v.object({ type: v.literal('pointer'), ...relayed({ path: Path, fx: Coord, fy: Coord, click: v.optional(v.boolean()) }) }),
  v.object({
    type: v.literal('form'),
    ...relayed({ path: Path, value: v.optional(v.string()), checked: v.optional(v.boolean()), masked: v.optional(v.boolean()) }),
  }),
  v.object({ type: v.literal('focus'), ...relayed({ path: v.nullable(Path) }) }),
  v.object({ type: v.literal('draw'), ...relayed({ points: v.array(Coord), clear: v.optional(v.boolean()) }) }),
  v.object({ type: v.literal('act'), ...relayed({ path: Path, action: v.picklist(['click', 'input']), value: v.optional(v.string()) }) }),
  v.object({ type: v.literal('control'), ...relayed({ action: v.picklist(['request', 'grant', 'deny', 'revoke']) }) }),
  v.object({ type: v.literal('sharing'), ...relayed({ on: v.boolean() }) }),
  v.object({ type: v.literal('viewport'), ...relayed({ w: v.number(), h: v.number() }) }),
  v.object({ type: v.literal('resync'), ...relayed({}) }),
  v.object({ type: v.literal('highlight'), ...relayed({ path: Path }) }),
  v.object({ type: v.literal('tabs'), ...relayed({ tabs: TabList, active: TabId }) }),
  v.object({ type: v.literal('escape'), ...relayed({ kind: EscapeKind, url: v.optional(Url) }) }),
  v.object({ type: v.literal('ended'), sessionId: Id, by: Party, reason: v.optional(v.string()) }),
  /** Nobody can take the visitor now (no agent online, or the wait is too long): offer the offline-message form. */
  v.object({ type: v.literal('offline.offer'), sessionId: Id, reason: v.picklist(['no-agents', 'wait-exceeded']) }),
  /** Supervisors: live overview of the switching cloud, pushed when it changes. */
  v.object({
    type: v.literal('overview'),
    queue: v.object({ length: v.number(), longestWaitSeconds: v.number() }),
    agents: v.array(
      v.object({
        id: Id,
        name: v.string(),
        status: v.picklist(['online', 'away', 'offline']),
        connected: v.boolean(),
        active: v.number(),
        capacity: v.number(),
      }),
    ),
    sessions: v.array(
      v.object({
        sessionId: Id,
        state: SessionState,
        agentId: v.nullable(Id),
        agentName: v.nullable(v.string()),
        siteId: v.string(),
        url: v.nullable(v.string()),
        createdAt: v.number(),
        acceptedAt: v.nullable(v.number()),
      }),
    ),
  }),
  v.object({ type: v.literal('agent.status'), status: v.picklist(['online', 'away', 'offline']), reason: v.optional(v.string()) }),
]);
export type ServerFrame = v.InferOutput<typeof ServerFrame>;
export type ServerFrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;
export type ClientFrameOf<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;

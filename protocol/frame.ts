// Messages between the overlay injected in a proxied page and the window that embeds it (the visitor
// shell or the agent console), over postMessage. The embedding window holds the WebSocket; the
// proxied page never sees a credential. Every message carries `cb: 1` so page scripts' own
// postMessage traffic is ignored.
import * as v from 'valibot';
import { MAX_FORM_VALUE_CHARS, MAX_PATH_CHARS, MAX_URL_CHARS } from './limits.ts';
import { EscapeKind, ScrollState } from './messages.ts';

const Path = v.pipe(v.string(), v.maxLength(MAX_PATH_CHARS));
const Coord = v.pipe(v.number(), v.finite());

/** overlay → embedding window */
export const FrameUp = v.variant('type', [
  v.object({ cb: v.literal(1), type: v.literal('ready'), url: v.pipe(v.string(), v.maxLength(MAX_URL_CHARS)), title: v.optional(v.string()) }),
  v.object({
    cb: v.literal(1),
    type: v.literal('nav'),
    url: v.pipe(v.string(), v.maxLength(MAX_URL_CHARS)),
    kind: v.picklist(['load', 'push', 'replace', 'pop', 'hash']),
  }),
  v.object({ cb: v.literal(1), type: v.literal('scroll'), scroll: ScrollState }),
  v.object({ cb: v.literal(1), type: v.literal('pointer'), path: Path, fx: Coord, fy: Coord, click: v.optional(v.boolean()) }),
  v.object({
    cb: v.literal(1),
    type: v.literal('form'),
    path: Path,
    value: v.optional(v.pipe(v.string(), v.maxLength(MAX_FORM_VALUE_CHARS))),
    checked: v.optional(v.boolean()),
    masked: v.optional(v.boolean()),
  }),
  v.object({ cb: v.literal(1), type: v.literal('focus'), path: v.nullable(Path) }),
  /** The agent, with the visitor's consent, clicked an element in its copy: do it in the visitor's page. */
  v.object({ cb: v.literal(1), type: v.literal('act'), path: Path, action: v.picklist(['click', 'input']), value: v.optional(v.pipe(v.string(), v.maxLength(MAX_FORM_VALUE_CHARS))) }),
  /** The local party highlighted an element with the highlight tool. */
  v.object({ cb: v.literal(1), type: v.literal('highlight'), path: Path }),
  /** A stroke the local party drew in drawing mode (fractions of the document size). */
  v.object({ cb: v.literal(1), type: v.literal('draw'), points: v.pipe(v.array(Coord), v.maxLength(2000)), clear: v.optional(v.boolean()) }),
  /** The page opened a new window or followed a `target=_blank` link: make it a shared tab (real URL). */
  v.object({ cb: v.literal(1), type: v.literal('open'), url: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_URL_CHARS)) }),
  /** Something left the proxy that the overlay could only detect (see EscapeKind). */
  v.object({ cb: v.literal(1), type: v.literal('escape'), kind: EscapeKind, url: v.optional(v.pipe(v.string(), v.maxLength(MAX_URL_CHARS))) }),
  /** The proxy could not show the page (refused target, upstream error, anti-proxy page). */
  v.object({ cb: v.literal(1), type: v.literal('problem'), code: v.string(), message: v.string(), url: v.optional(v.string()) }),
]);
export type FrameUp = v.InferOutput<typeof FrameUp>;

/** embedding window → overlay */
export const FrameDown = v.variant('type', [
  v.object({ cb: v.literal(1), type: v.literal('scroll'), scroll: ScrollState }),
  v.object({ cb: v.literal(1), type: v.literal('pointer'), path: Path, fx: Coord, fy: Coord, click: v.optional(v.boolean()), label: v.string() }),
  v.object({ cb: v.literal(1), type: v.literal('form'), path: Path, value: v.optional(v.string()), checked: v.optional(v.boolean()), masked: v.optional(v.boolean()) }),
  v.object({ cb: v.literal(1), type: v.literal('focus'), path: v.nullable(Path), label: v.string() }),
  v.object({ cb: v.literal(1), type: v.literal('draw'), points: v.array(Coord), clear: v.optional(v.boolean()) }),
  v.object({ cb: v.literal(1), type: v.literal('act'), path: Path, action: v.picklist(['click', 'input']), value: v.optional(v.string()) }),
  v.object({ cb: v.literal(1), type: v.literal('history'), action: v.picklist(['back', 'forward', 'reload']) }),
  /** Local tool in this party's own frame: pointer (default), freehand drawing, or element highlight. */
  v.object({ cb: v.literal(1), type: v.literal('tool'), tool: v.picklist(['pointer', 'draw', 'highlight']) }),
  v.object({ cb: v.literal(1), type: v.literal('highlight'), path: Path, label: v.string() }),
  /** Post the current scroll position and form state now (the other party just joined or reloaded). */
  v.object({ cb: v.literal(1), type: v.literal('sync-request') }),
  /** Show this real URL in this frame (a shared tab was switched to): the overlay navigates through the proxy. */
  v.object({ cb: v.literal(1), type: v.literal('go'), url: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_URL_CHARS)) }),
  /** Whether this party is the follower for scroll (suppresses echo). */
  v.object({ cb: v.literal(1), type: v.literal('role'), role: v.picklist(['visitor', 'agent']), controlGranted: v.optional(v.boolean()) }),
]);
export type FrameDown = v.InferOutput<typeof FrameDown>;

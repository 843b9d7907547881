// The chat log of one session as a plain array, kept in seq order with the agent's unconfirmed
// messages at the end. Pure functions on arrays (they mutate in place, so they work on Svelte
// $state proxies with fine-grained updates); unit-tested in test/unit/agent-ui.
import type { Attachment, Party, SessionEvent } from '../../../protocol/index.ts';

export type ChatKind = SessionEvent['kind'];

export interface ChatItem {
  /** Stable key for {#each}: "e<seq>" once stored, "p<clientId>" while pending. */
  key: string;
  seq: number | null;
  ts: number;
  kind: ChatKind;
  from: Party;
  name?: string;
  text: string;
  url?: string;
  /** For kind 'attachment': the stored file (served at /api/attachments/<id>). */
  attachment?: Attachment;
  clientId?: string;
  /** Sent by this console and not yet seen back from the gateway as an event. */
  pending: boolean;
  /** Pending and the gateway acknowledged it (it is stored). */
  acked?: boolean;
  failed?: boolean;
}

export function eventToItem(e: SessionEvent): ChatItem {
  return {
    key: `e${e.seq}`,
    seq: e.seq,
    ts: e.ts,
    kind: e.kind,
    from: e.from,
    name: e.name,
    text: e.text ?? '',
    url: e.url,
    attachment: e.attachment,
    clientId: e.clientId,
    pending: false,
  };
}

/**
 * Adds a stored event in seq order. Replaces the pending copy of the same message (same clientId,
 * or for notes, which carry no clientId, the oldest pending note with the same text).
 * Returns the inserted item, or null for a duplicate.
 */
export function insertEvent(list: ChatItem[], e: SessionEvent): ChatItem | null {
  if (list.some((i) => !i.pending && i.seq === e.seq)) return null;
  let pendingIdx = -1;
  if (e.clientId) pendingIdx = list.findIndex((i) => i.pending && i.clientId === e.clientId);
  else if (e.kind === 'note') pendingIdx = list.findIndex((i) => i.pending && i.kind === 'note' && i.text === (e.text ?? ''));
  if (pendingIdx >= 0) list.splice(pendingIdx, 1);
  const item = eventToItem(e);
  let at = list.findIndex((i) => i.pending || (i.seq !== null && i.seq > e.seq));
  if (at < 0) at = list.length;
  list.splice(at, 0, item);
  return item;
}

export function addPending(
  list: ChatItem[],
  p: { clientId: string; kind: 'chat' | 'note'; text: string; name?: string; ts: number },
): ChatItem {
  const item: ChatItem = {
    key: `p${p.clientId}`,
    seq: null,
    ts: p.ts,
    kind: p.kind,
    from: 'agent',
    name: p.name,
    text: p.text,
    clientId: p.clientId,
    pending: true,
  };
  list.push(item);
  return item;
}

/** The gateway stored a pending message. Returns whether it was found. */
export function markAcked(list: ChatItem[], clientId: string, seq: number): boolean {
  const item = list.find((i) => i.pending && i.clientId === clientId);
  if (!item) return false;
  item.acked = true;
  item.seq = seq;
  return true;
}

export function markFailed(list: ChatItem[], clientId: string): boolean {
  const item = list.find((i) => i.pending && i.clientId === clientId);
  if (!item) return false;
  item.failed = true;
  return true;
}

/** Pages in visiting order, without repeats: the session's known pages, nav events, then the current page. */
export function pagesVisited(known: readonly string[] | undefined, list: readonly ChatItem[], current?: string | null): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (u: string | undefined) => {
    if (u && !seen.has(u)) {
      seen.add(u);
      out.push(u);
    }
  };
  for (const u of known ?? []) add(u);
  for (const i of list) if (i.kind === 'nav') add(i.url);
  add(current ?? undefined);
  return out;
}

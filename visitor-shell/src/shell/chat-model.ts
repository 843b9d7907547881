// The chat log's data: messages ordered by sequence number, deduplicated by seq and by clientId
// (a message we sent shows at once as pending and is confirmed in place by its ack / event), plus
// attachments and which message the agent has read. Pure (no DOM) so it can be unit tested.
import type { Attachment, Party, SessionEvent } from '../../../protocol/index.ts';

export interface ChatEntry {
  key: string;
  seq: number | null;
  clientId: string | null;
  from: Party;
  name?: string;
  text: string;
  pending: boolean;
  ts?: number;
  /** For a shared file: `text` is its name. */
  attachment?: Attachment;
}

export type ChatChange = { kind: 'insert'; entry: ChatEntry; index: number } | { kind: 'update'; entry: ChatEntry } | null;

export class ChatModel {
  readonly entries: ChatEntry[] = [];
  #seqs = new Set<number>();
  #byClient = new Map<string, ChatEntry>();

  /** A message the visitor just sent: shown at once, pending until stored. */
  addLocal(clientId: string, text: string): ChatChange {
    if (this.#byClient.has(clientId)) return null;
    const entry: ChatEntry = { key: `c:${clientId}`, seq: null, clientId, from: 'visitor', text, pending: true };
    this.#byClient.set(clientId, entry);
    this.entries.push(entry);
    return { kind: 'insert', entry, index: this.entries.length - 1 };
  }

  /** The gateway stored our message. */
  ack(clientId: string, seq: number): ChatChange {
    const e = this.#byClient.get(clientId);
    if (!e || !e.pending) return null;
    e.pending = false;
    e.seq = seq;
    this.#seqs.add(seq);
    return { kind: 'update', entry: e };
  }

  /** A chat, system or attachment event (live or replayed). Other kinds are ignored. */
  addEvent(ev: SessionEvent): ChatChange {
    if (ev.kind !== 'chat' && ev.kind !== 'system' && ev.kind !== 'attachment') return null;
    if (ev.kind === 'attachment' && !ev.attachment) return null;
    const text = ev.kind === 'attachment' ? ev.attachment!.name : (ev.text ?? '');
    if (!text) return null;
    if (ev.clientId) {
      const mine = this.#byClient.get(ev.clientId);
      if (mine) {
        if (!mine.pending && mine.seq === ev.seq) return null;
        mine.pending = false;
        mine.seq = ev.seq;
        mine.ts = ev.ts;
        this.#seqs.add(ev.seq);
        return { kind: 'update', entry: mine };
      }
    }
    if (this.#seqs.has(ev.seq)) return null;
    this.#seqs.add(ev.seq);
    const entry: ChatEntry = {
      key: `s:${ev.seq}`,
      seq: ev.seq,
      clientId: ev.clientId ?? null,
      from: ev.from,
      name: ev.name,
      text,
      pending: false,
      ts: ev.ts,
      ...(ev.kind === 'attachment' ? { attachment: ev.attachment } : {}),
    };
    if (ev.clientId) this.#byClient.set(ev.clientId, entry);
    // Stored messages in seq order, before any still-pending local ones.
    let index = this.entries.length;
    for (let i = 0; i < this.entries.length; i++) {
      const o = this.entries[i];
      if (o.pending || (o.seq !== null && o.seq > ev.seq)) {
        index = i;
        break;
      }
    }
    this.entries.splice(index, 0, entry);
    return { kind: 'insert', entry, index };
  }

  /** Highest sequence number of anything the agent sent (0 if none): what a read receipt covers. */
  lastAgentSeq(): number {
    let max = 0;
    for (const e of this.entries) if (e.from === 'agent' && e.seq !== null && e.seq > max) max = e.seq;
    return max;
  }

  /** The visitor's latest stored message the agent has read up to `readSeq` (it shows "Seen"). */
  seenEntry(readSeq: number): ChatEntry | null {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i];
      if (e.from === 'visitor' && !e.pending && e.seq !== null && e.seq <= readSeq) return e;
    }
    return null;
  }
}

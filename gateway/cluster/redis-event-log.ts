// The cluster's event log: one Redis Stream per session, numbered by a Lua script so that two
// instances appending to one session at the same moment get consecutive, unique sequence numbers,
// and a chat resent with a known clientId (a client retrying after an instance died) gets its
// stored event back instead of a second copy. Stream entry ids are `0-<seq>`, so a resume is one
// XRANGE from the client's last seq. Every event is also copied into the SQL store (the transcript
// that outlives the stream); after a session ends its stream expires after the configured retention.
import type { SessionEvent } from '../../protocol/index.ts';
import type { NewEvent } from '../store/types.ts';
import type { SessionStore } from '../store/ports.ts';
import type { Appended, EventLog } from '../channel/event-log.ts';
import type { SessionWriter } from '../channel/session-writer.ts';
import type { Redis } from './redis.ts';
import { topicChannel } from './bus.ts';
import { sessionTopic } from '../channel/topics.ts';

// The new event is published on the session's channel (cb:s:<id>, kind 'e', in Bus's wire format) to
// every instance following the session, this one included, inside the script: numbering and fan-out
// cannot be separated by an instance dying between them, and every instance sees a session's events
// in sequence order.
const APPEND = `
local seqKey, evKey, cidKey = KEYS[1], KEYS[2], KEYS[3]
local clientId, body, from, sessionId, audience, floor = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if clientId ~= '' then
  local known = redis.call('HGET', cidKey, clientId)
  if known then
    local hit = redis.call('XRANGE', evKey, '0-' .. known, '0-' .. known)
    if hit[1] then return {0, tonumber(known), hit[1][2][2]} end
  end
end
-- A counter Redis lost (restart without its data) continues from the transcript's last number,
-- which the caller reads from the store only when asked (-1), not on every append.
local cur = redis.call('GET', seqKey)
if not cur then
  if floor == '' then return {-1, 0, ''} end
  cur = floor
end
local seq = tonumber(cur) + 1
-- The stream is written before the counter, so a refused XADD (a stream already past the counter)
-- cannot burn a number: the event takes the number after the stream's last one instead.
local added = redis.pcall('XADD', evKey, '0-' .. seq, 'e', body)
if type(added) == 'table' and added.err then
  local top = redis.call('XREVRANGE', evKey, '+', '-', 'COUNT', 1)
  seq = tonumber(string.match(top[1][1], '%d+$')) + 1
  redis.call('XADD', evKey, '0-' .. seq, 'e', body)
end
redis.call('SET', seqKey, seq)
if clientId ~= '' then redis.call('HSET', cidKey, clientId, seq) end
local frame = '{"type":"event","event":' .. string.sub(body, 1, -2) .. ',"seq":' .. seq .. '}}'
redis.call('PUBLISH', '${topicChannel(sessionTopic(''))}' .. sessionId, from .. '\\0e\\0' .. sessionId .. ' ' .. seq .. ' ' .. audience .. '\\0' .. frame)
return {1, seq, body}
`;

const keys = (sessionId: string) => [`cb:seq:${sessionId}`, `cb:ev:${sessionId}`, `cb:cid:${sessionId}`];

/**
 * `subscribed`: settles once this instance's subscription to the session's channel is confirmed; a
 * replay reads the stream only after it, so no event falls between the replay and the live ones.
 * `writer`: the copy into the store goes through the session's serial writer (retried in order while
 * the store is away) instead of being awaited here; without one it is awaited and a failure reported.
 */
export function redisEventLog(
  redis: Redis,
  store: Pick<SessionStore, 'session' | 'archiveEvent' | 'eventsAfter'>,
  instanceId: string,
  retentionSeconds: number,
  onArchiveError: (err: unknown) => void,
  writer?: SessionWriter,
  subscribed?: (sessionId: string) => Promise<unknown> | undefined,
): EventLog {
  redis.defineCommand('cbAppendEvent', { numberOfKeys: 3, lua: APPEND });
  const append = (redis as unknown as { cbAppendEvent(...args: string[]): Promise<[number, number, string]> }).cbAppendEvent.bind(redis);
  return {
    async append(e: NewEvent): Promise<Appended> {
      const audience = e.kind === 'note' ? 'a' : 's';
      const args = [...keys(e.sessionId), e.clientId ?? '', JSON.stringify(e), instanceId, e.sessionId, audience];
      let [fresh, seq, body] = await append(...args, '');
      if (fresh === -1) [fresh, seq, body] = await append(...args, String((await store.session(e.sessionId))?.lastSeq ?? 0));
      const event: SessionEvent = { ...(JSON.parse(body) as NewEvent), seq };
      if (fresh && writer) writer.write(e.sessionId, 'archive event', () => store.archiveEvent(event));
      else if (fresh) {
        try {
          await store.archiveEvent(event);
        } catch (err) {
          onArchiveError(err);
        }
      }
      return { event, duplicate: !fresh };
    },
    async after(sessionId: string, seq: number): Promise<SessionEvent[]> {
      await subscribed?.(sessionId);
      const rows = await redis.xrange(`cb:ev:${sessionId}`, `(0-${seq}`, '+');
      const events = rows.map(([id, fields]) => ({ ...(JSON.parse(fields[1]) as NewEvent), seq: Number(id.slice(2)) }));
      // A stream that expired, or that Redis lost, starts later than asked: the store has the rest.
      const first = events[0]?.seq ?? Infinity;
      if (first <= seq + 1) return events;
      // Only the store's run of consecutive numbers from seq + 1 counts: the copies are written
      // behind, each instance's in its own order, so a young session's later event (numbered on
      // another instance) can be in the store before its earlier ones. A replay that skipped those
      // would have the socket drop them as old when they arrive live.
      const older: SessionEvent[] = [];
      for (const e of await store.eventsAfter(sessionId, seq)) {
        if (e.seq >= first || e.seq !== seq + 1 + older.length) break;
        older.push(e);
      }
      return [...older, ...events];
    },
    ended(sessionId: string) {
      const m = redis.multi();
      for (const k of keys(sessionId)) m.expire(k, Math.max(1, Math.round(retentionSeconds)));
      m.exec().catch(onArchiveError);
    },
  };
}

import { describe, expect, it } from 'vitest';
import { loadRatio, longestWaitMs, sortAgents, sortSessions, type Overview } from '../../../agent-ui/src/lib/overview.ts';

const overview = (length: number, longestWaitSeconds: number): Overview => ({ queue: { length, longestWaitSeconds }, agents: [], sessions: [] });

describe('supervisor overview figures', () => {
  it('keeps the longest wait growing between pushes, and 0 with an empty queue', () => {
    expect(longestWaitMs(overview(2, 30), 1000, 6000)).toBe(35_000);
    expect(longestWaitMs(overview(0, 30), 1000, 6000)).toBe(0);
    expect(longestWaitMs(overview(1, 5), 6000, 1000)).toBe(5000); // clock behind the push: no negative time
  });

  it('computes load against capacity', () => {
    expect(loadRatio({ active: 1, capacity: 4 })).toBe(0.25);
    expect(loadRatio({ active: 5, capacity: 4 })).toBe(1);
    expect(loadRatio({ active: 0, capacity: 0 })).toBe(1);
  });

  it('sorts agents (online, away, disconnected) and sessions (active, ringing, queued)', () => {
    const a = (id: string, status: 'online' | 'away' | 'offline', connected = true) => ({ id, name: id, status, connected, active: 0, capacity: 3 });
    expect(sortAgents([a('d', 'online', false), a('c', 'away'), a('b', 'online'), a('a', 'online')]).map((x) => x.id)).toEqual(['a', 'b', 'c', 'd']);
    const s = (sessionId: string, state: 'queued' | 'ringing' | 'active', createdAt: number) => ({ sessionId, state, agentId: null, agentName: null, siteId: 'x', url: null, createdAt, acceptedAt: null });
    expect(sortSessions([s('q', 'queued', 1), s('a2', 'active', 5), s('r', 'ringing', 3), s('a1', 'active', 2)]).map((x) => x.sessionId)).toEqual(['a1', 'a2', 'r', 'q']);
  });
});

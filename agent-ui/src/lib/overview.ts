// The supervisor overview (`overview` frames): small derived figures. Pure, unit-tested.
import type { ServerFrameOf } from '../../../protocol/index.ts';

export type Overview = Omit<ServerFrameOf<'overview'>, 'type'>;
export type OverviewAgent = Overview['agents'][number];
export type OverviewSession = Overview['sessions'][number];

/**
 * The overview is pushed when something changes, not every second: the longest wait keeps growing
 * between pushes while anyone is queued.
 */
export function longestWaitMs(o: Overview, receivedAt: number, now: number): number {
  if (o.queue.length === 0) return 0;
  return o.queue.longestWaitSeconds * 1000 + Math.max(0, now - receivedAt);
}

/** Share of an agent's capacity in use, 0..1 (capacity 0 counts as full). */
export function loadRatio(a: Pick<OverviewAgent, 'active' | 'capacity'>): number {
  if (a.capacity <= 0) return 1;
  return Math.min(1, Math.max(0, a.active / a.capacity));
}

/** Agents sorted for a supervisor: connected and online first, then by name. */
export function sortAgents(agents: readonly OverviewAgent[]): OverviewAgent[] {
  const rank = (a: OverviewAgent) => (!a.connected ? 2 : a.status === 'online' ? 0 : 1);
  return [...agents].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

/** Sessions sorted: active ones first (oldest first), then waiting ones (longest wait first). */
export function sortSessions(sessions: readonly OverviewSession[]): OverviewSession[] {
  const rank = (s: OverviewSession) => (s.state === 'active' ? 0 : s.state === 'ringing' ? 1 : s.state === 'queued' ? 2 : 3);
  return [...sessions].sort((a, b) => rank(a) - rank(b) || a.createdAt - b.createdAt);
}

export const STATE_LABEL: Record<OverviewSession['state'], string> = {
  queued: 'Waiting',
  ringing: 'Ringing',
  active: 'Active',
  ended: 'Ended',
};

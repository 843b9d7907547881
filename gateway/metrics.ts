// Prometheus metrics (prom-client), served at /metrics. One registry per gateway instance so tests
// can run several gateways in one process.
import { readdir } from 'node:fs/promises';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * A counter with one label for the per-frame path (tens of thousands of increments a second):
 * prom-client's `inc({ label })` hashes the label object each time, so the hot path adds to a plain
 * map and the sums are folded into the counter when /metrics is scraped (its `collect`).
 */
export class Tally {
  // One slot per label value, kept across scrapes: an increment is one map lookup and a field write.
  #pending = new Map<string, { n: number }>();
  readonly counter: Counter<string>;

  constructor(o: { name: string; help: string; labelName: string; registry: Registry }) {
    const pending = this.#pending;
    const label = o.labelName;
    this.counter = new Counter({
      name: o.name,
      help: o.help,
      labelNames: [label],
      registers: [o.registry],
      collect() {
        for (const [value, slot] of pending) {
          if (slot.n === 0) continue;
          this.inc({ [label]: value }, slot.n);
          slot.n = 0;
        }
      },
    });
  }

  add(value: string): void {
    const slot = this.#pending.get(value);
    if (slot) slot.n++;
    else this.#pending.set(value, { n: 1 });
  }
}

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client counts open fds with readdirSync('/proc/self/fd') on the event loop at every scrape:
  // with 10,000 sockets that is a 10-50 ms stall per scrape. Same metric, read off the loop.
  if (registry.getSingleMetric('process_open_fds')) {
    registry.removeSingleMetric('process_open_fds');
    new Gauge({
      name: 'process_open_fds',
      help: 'Number of open file descriptors.',
      registers: [registry],
      async collect() {
        try {
          // Minus the fd readdir itself had open.
          this.set((await readdir('/proc/self/fd')).length - 1);
        } catch {
          /* not Linux, or /proc unreadable: leave the gauge as it was */
        }
      },
    });
  }
  const m = {
    registry,
    queueLength: new Gauge({ name: 'cobrowse_queue_length', help: 'Visitors waiting', registers: [registry] }),
    waitSeconds: new Histogram({
      name: 'cobrowse_wait_seconds',
      help: 'Time from click to agent joined',
      buckets: [1, 5, 10, 20, 30, 60, 120, 300, 600],
      registers: [registry],
    }),
    offers: new Counter({ name: 'cobrowse_offers_total', help: 'Offers made to agents', registers: [registry] }),
    offerTimeouts: new Counter({ name: 'cobrowse_offer_timeouts_total', help: 'Offers that rang out', registers: [registry] }),
    sessionsStarted: new Counter({ name: 'cobrowse_sessions_started_total', help: 'Visitor sessions created', registers: [registry] }),
    sessionsEnded: new Counter({ name: 'cobrowse_sessions_ended_total', help: 'Sessions ended', labelNames: ['by'], registers: [registry] }),
    activeSessions: new Gauge({ name: 'cobrowse_active_sessions', help: 'Sessions with an agent', registers: [registry] }),
    messages: new Tally({ name: 'cobrowse_messages_total', help: 'Chat messages stored', labelName: 'from', registry }),
    relayed: new Tally({ name: 'cobrowse_relayed_frames_total', help: 'Sync frames relayed', labelName: 'type', registry }),
    proxyRequests: new Counter({ name: 'cobrowse_proxy_requests_total', help: 'Proxy requests', labelNames: ['kind', 'status'], registers: [registry] }),
    badFrames: new Counter({ name: 'cobrowse_bad_frames_total', help: 'Frames refused by the validator', labelNames: ['code'], registers: [registry] }),
    loginLockouts: new Counter({ name: 'cobrowse_login_lockouts_total', help: 'Sign-in lockouts started (an account or a client address locked after too many attempts)', labelNames: ['scope'], registers: [registry] }),
    throttled: new Counter({ name: 'cobrowse_throttled_requests_total', help: 'Requests answered 429 by a per-account or per-address limit', labelNames: ['endpoint'], registers: [registry] }),
  };
  return m;
}

/** Cluster counters, read from the cluster layer when /metrics is scraped. */
export function registerClusterMetrics(m: Metrics, stats: () => { commits: number; conflicts: number; busOut: number; busIn: number }, ready: () => boolean) {
  const counter = (name: string, help: string, key: 'commits' | 'conflicts' | 'busOut' | 'busIn') =>
    new Gauge({ name, help, registers: [m.registry], collect() { this.set(stats()[key]); } });
  counter('cobrowse_cluster_routing_commits', 'Routing commands committed by this instance (compare-and-set won)', 'commits');
  counter('cobrowse_cluster_routing_conflicts', 'Compare-and-set attempts lost to another instance and re-run', 'conflicts');
  counter('cobrowse_cluster_frames_out', 'Frames this instance fanned out through Redis', 'busOut');
  counter('cobrowse_cluster_frames_in', 'Frames other instances fanned out to this one', 'busIn');
  new Gauge({ name: 'cobrowse_cluster_redis_ready', help: '1 while Redis is reachable', registers: [m.registry], collect() { this.set(ready() ? 1 : 0); } });
}

export type Metrics = ReturnType<typeof createMetrics>;

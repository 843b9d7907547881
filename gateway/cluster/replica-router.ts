// A Router whose state can be replaced wholesale: each instance's read replica of the cluster's
// routing state. Reads (queue views, positions, deadlines) go to the current copy; `load` swaps in
// the snapshot another instance committed.
import { createRouter } from '../routing/router.ts';
import type { Clock, Command, Effect, Router, RoutingConfig, RoutingSnapshot } from '../routing/types.ts';

export class ReplicaRouter implements Router {
  #cur: Router;
  #config: RoutingConfig;
  #clock: Clock;

  constructor(config: RoutingConfig, clock: Clock, snap?: RoutingSnapshot) {
    this.#config = config;
    this.#clock = clock;
    this.#cur = createRouter(config, clock, snap);
  }

  load(snap: RoutingSnapshot | undefined): void {
    this.#cur = createRouter(this.#config, this.#clock, snap);
  }

  apply(cmd: Command): Effect[] {
    return this.#cur.apply(cmd);
  }
  position(sessionId: string) {
    return this.#cur.position(sessionId);
  }
  queue() {
    return this.#cur.queue();
  }
  queueFor(agentId: string) {
    return this.#cur.queueFor(agentId);
  }
  queueWindow(agentId: string, limit: number) {
    return this.#cur.queueWindow(agentId, limit);
  }
  queueSize() {
    return this.#cur.queueSize();
  }
  positions() {
    return this.#cur.positions();
  }
  canAccept(agentId: string, sessionId: string) {
    return this.#cur.canAccept(agentId, sessionId);
  }
  agent(agentId: string) {
    return this.#cur.agent(agentId);
  }
  agentOf(sessionId: string) {
    return this.#cur.agentOf(sessionId);
  }
  eligibleAgentCount(department: string | null) {
    return this.#cur.eligibleAgentCount(department);
  }
  nextDeadline() {
    return this.#cur.nextDeadline();
  }
  snapshot() {
    return this.#cur.snapshot();
  }
}

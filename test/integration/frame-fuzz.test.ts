// Hostile frames over real sockets: thousands of random and near-valid frames from a visitor and an
// agent never crash the gateway, never close a connection except for size, and every bad one gets
// an error frame with a stable code.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WireErrors } from '../../protocol/index.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { Peer, loginCookie, startVisitor, wsUrl } from '../helpers/ws-peer.ts';

let t: TestGateway;
let visitor: Peer;
let agent: Peer;
let sid: string;

beforeAll(async () => {
  t = await startTestGateway({ routingMode: 'manual', allowedTargets: ['http://shop.test'] });
  await t.gw.auth.createAgent({ email: 'fz@x.test', password: 'fuzz-pass-1' });
  sid = await startVisitor(t.gw.url, 'http://shop.test/');
  visitor = new Peer(wsUrl(t.gw.url, `/ws/visitor?sid=${sid}`), { origin: t.gw.url });
  agent = new Peer(wsUrl(t.gw.url, '/ws/agent'), { origin: t.gw.url, cookie: await loginCookie(t.gw.url, 'fz@x.test', 'fuzz-pass-1') });
  await Promise.all([visitor.opened(), agent.opened()]);
  visitor.send({ type: 'hello' });
  agent.send({ type: 'hello' });
  await agent.waitFor('queue.snapshot', (f) => f.items.some((i) => i.sessionId === sid));
  agent.send({ type: 'accept', sessionId: sid });
  await visitor.waitFor('session', (f) => f.session.state === 'active');
});
afterAll(async () => {
  visitor?.close();
  agent?.close();
  await t?.close();
});

const TYPES = ['hello', 'ack', 'read', 'chat', 'typing', 'nav', 'lead', 'history', 'scroll', 'pointer', 'form', 'focus', 'draw', 'highlight', 'control', 'sharing', 'act', 'status', 'accept', 'decline', 'transfer', 'note', 'end', 'ping', 'viewport', 'watch', 'resync', 'bogus'];

/** Frames that look like the protocol but carry any values: the shapes hostile clients send. */
const nearValid = fc.record(
  {
    type: fc.constantFrom(...TYPES),
    sessionId: fc.oneof(fc.constant(undefined), fc.string(), fc.constant('x'.repeat(100))),
    text: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    url: fc.oneof(fc.webUrl(), fc.string(), fc.constant('javascript:alert(1)'), fc.constant('http://10.0.0.1/')),
    scroll: fc.anything(),
    path: fc.oneof(fc.string(), fc.constant(null)),
    fx: fc.oneof(fc.double(), fc.string()),
    fy: fc.double(),
    on: fc.anything(),
    clientId: fc.string(),
    seq: fc.oneof(fc.integer(), fc.double()),
    resume: fc.anything(),
    points: fc.array(fc.double(), { maxLength: 50 }),
  },
  { requiredKeys: ['type'] },
).map((o) => {
  // `end` and `status away` are valid and would change the session under test; keep the session up.
  if (o.type === 'end' || o.type === 'status' || o.type === 'sharing' || o.type === 'control') o.type = 'bogus';
  return JSON.stringify(o);
});

describe('hostile frames', () => {
  it('survives thousands of random and near-valid frames on both sockets', async () => {
    const samples = fc.sample(fc.oneof(nearValid, fc.string({ maxLength: 300 }), fc.json()), 3000);
    for (let i = 0; i < samples.length; i++) {
      (i % 2 ? agent : visitor).send(samples[i]);
      if (i % 200 === 199) await new Promise((r) => setTimeout(r, 20)); // stay under the frame rate limit
    }
    // Both connections are still up and answering.
    visitor.send({ type: 'ping', t: 1 });
    agent.send({ type: 'ping', t: 2 });
    await visitor.waitFor('pong', (f) => f.t === 1, 10_000);
    await agent.waitFor('pong', (f) => f.t === 2, 10_000);
    // Every error frame carries a code from the catalogue.
    const codes = new Set([...visitor.frames, ...agent.frames].flatMap((f) => (f.type === 'error' ? [f.code] : [])));
    expect(codes.size).toBeGreaterThan(2);
    for (const c of codes) expect(Object.keys(WireErrors)).toContain(c);
    // The session still works end to end.
    visitor.send({ type: 'chat', clientId: 'after-fuzz', text: 'still here' });
    await agent.waitFor('event', (f) => f.event.clientId === 'after-fuzz');
    const health = await fetch(`${t.gw.url}/healthz`);
    expect(health.status).toBe(200);
  });
});

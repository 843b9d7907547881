// The whole flow in real browsers with the two parties on different instances of one cluster (two
// gateway processes sharing Redis and the store): the visitor clicks the demo shop's link to
// instance A and waits in the queue there; the agent signs in to the console on instance B, is
// alerted, accepts; they chat both ways; the agent leads the visitor to another page and both frames
// show it; the agent ends the session and the visitor is told; the transcript is in the shared store.
// One body, two deployments:
//  - shared ports on one SQLite file: both instances share PORT and PROXY_PORT, so the kernel spreads
//    connections over them as a load balancer would and both have the one public origin a real
//    deployment has (PUBLIC_URL): any instance may serve any page, socket or proxied request. The
//    agent's console is reloaded until its socket sits on the other instance than the visitor's
//    (`welcome.instance`).
//  - two hosts on PostgreSQL: the instances listen on 127.0.0.1 and 127.0.0.2 (the same ports) and
//    share only Redis and a PostgreSQL server. The agent's browser resolves the public names to
//    127.0.0.2 (as DNS or a load balancer would send that user to the other host), so its console,
//    socket and every proxied page of the visitor's session are served by B, which never created it.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { freePort } from '../../bench/lib/proc-stats.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { coFrame } from '../helpers/cobrowse.ts';
import { startCluster, until, type ClusterOptions, type TestCluster } from '../helpers/cluster.ts';

const shots = 'test-results/screenshots';
const EMAIL = 'cluster-agent@demo.test';
const PASSWORD = 'cluster-agent-pass';

const DEPLOYMENTS: { tag: string; name: string; opts: Pick<ClusterOptions, 'store' | 'hosts' | 'sharedPorts'> }[] = [
  { tag: 'shared-ports', name: 'shared ports, one SQLite file', opts: { store: 'sqlite', sharedPorts: true } },
  { tag: 'two-hosts-pg', name: 'two loopback hosts on PostgreSQL', opts: { store: 'postgres', hosts: ['127.0.0.1', '127.0.0.2'] } },
];

describe.each(DEPLOYMENTS)('cluster: visitor on one instance, agent on another, in real browsers ($name)', ({ tag, opts }) => {
  let c: TestCluster;
  /** The visitor's browser, and the agent's (its own process when the agent must reach another address). */
  let vBrowser: Browser;
  let aBrowser: Browser;
  let demo: { close(): Promise<void> } | null = null;
  let demoUrl = '';

  beforeAll(async () => {
    const demoPort = await freePort();
    demoUrl = `http://localhost:${demoPort}`;
    c = await startCluster({
      ...opts,
      instances: 2,
      agents: 1,
      agentEmail: () => EMAIL,
      agentPassword: PASSWORD,
      env: { ROUTING_MODE: 'auto', ALLOWED_TARGETS: `http://localhost:${demoPort},http://127.0.0.1:${demoPort}` },
    });
    // The demo shop's "Talk to a live agent" link goes to the cluster's one public origin.
    const { startDemoSite } = await import('../../demo-site/server.ts');
    demo = await startDemoSite({ port: demoPort, host: '127.0.0.1', gatewayUrl: c.nodes[0].url, siteId: 'demo' });
    mkdirSync(shots, { recursive: true });
    vBrowser = await launchBrowser();
    // Chromium resolves *.localhost to 127.0.0.1 by itself; a host rule aims the agent's browser at B.
    aBrowser = c.nodes[1].host === '127.0.0.1' ? vBrowser : await launchBrowser([`--host-resolver-rules=MAP *.localhost ${c.nodes[1].host}`]);
  });
  afterAll(async () => {
    if (aBrowser !== vBrowser) await aBrowser?.close();
    await vBrowser?.close();
    await demo?.close();
    await c?.close();
  });

  it('runs the whole flow across instances', async () => {
    const [a, b] = c.nodes;
    const vctx = await vBrowser.newContext({ viewport: { width: 1280, height: 800 } });
    const actx = await aBrowser.newContext({ viewport: { width: 1440, height: 900 } });
    const visitor = await vctx.newPage();
    const agent = await actx.newPage();
    // What each console's socket carried, for a failure message; and which instance holds it.
    const wire: string[] = [];
    const instance: Record<'visitor' | 'agent', string | null> = { visitor: null, agent: null };
    for (const [who, page] of [['visitor', visitor], ['agent', agent]] as const) {
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') wire.push(`${who} console.${m.type()}: ${m.text().slice(0, 300)}`);
      });
      page.on('pageerror', (e) => wire.push(`${who} page error: ${e.message.slice(0, 300)}`));
      page.on('websocket', (ws) => {
        ws.on('framereceived', (f) => {
          const text = String(f.payload);
          const welcome = /^\{"type":"welcome".*"instance":"([^"]+)"/.exec(text);
          if (welcome) {
            instance[who] = welcome[1];
            wire.push(`${who} on ${welcome[1]}`);
          }
          if (/"type":"(navigate|session|ended|error)"/.test(text)) wire.push(`${who} ← ${text.slice(0, 300)}`);
        });
        ws.on('framesent', (f) => {
          const text = String(f.payload);
          if (/"type":"(nav|lead|end)"/.test(text)) wire.push(`${who} → ${text.slice(0, 300)}`);
        });
      });
    }
    try {
      // The visitor clicks the hyperlink on the demo shop and lands in the queue on one instance.
      await visitor.goto(`${demoUrl}/products`);
      await visitor.click('[data-testid="talk-to-agent"]');
      await visitor.waitForURL(/\/v\/[A-Za-z0-9_-]{22}$/);
      expect(new URL(visitor.url()).origin).toBe(a.url);
      await until('the visitor socket says which instance holds it', () => instance.visitor !== null, 15_000, 50);
      await expect.poll(() => visitor.textContent('[data-testid="queue-position"]'), { timeout: 15_000 }).toMatch(/\b1\b/);
      const entry = await coFrame(visitor, /^\/products$/);
      expect(await entry.textContent('body')).toContain('Products');

      // The agent signs in to the console and is alerted to the visitor; the console is reloaded
      // until the kernel put its socket on the other instance.
      await agent.goto(`${b.url}/agent/`);
      await agent.fill('[data-testid="login-email"]', EMAIL);
      await agent.fill('[data-testid="login-password"]', PASSWORD);
      await agent.click('[data-testid="login-submit"]');
      for (let attempt = 0; ; attempt++) {
        await until('the agent socket says which instance holds it', () => instance.agent !== null, 15_000, 50);
        if (instance.agent !== instance.visitor) break;
        if (attempt === 40) throw new Error(`the agent's socket landed on ${instance.visitor} 40 times in a row`);
        instance.agent = null;
        await agent.reload();
      }
      expect(instance.agent).not.toBe(instance.visitor);
      await agent.locator('[data-testid="queue-item"]').first().waitFor({ timeout: 15_000 });
      await agent.click('[data-testid="accept"]');
      await expect.poll(() => visitor.textContent('[data-testid="chat-log"]'), { timeout: 15_000 }).toMatch(/joined/);
      await expect.poll(() => agent.locator('[data-testid="queue-item"]').count(), { timeout: 15_000 }).toBe(0);

      // Chat both ways, across the instances.
      await visitor.fill('[data-testid="chat-input"]', 'Hello from instance A');
      await visitor.click('[data-testid="chat-send"]');
      await expect.poll(() => agent.textContent('[data-testid="chat-log"]'), { timeout: 15_000 }).toContain('Hello from instance A');
      await agent.fill('[data-testid="chat-input"]', 'Hello from instance B');
      await agent.click('[data-testid="chat-send"]');
      await expect.poll(() => visitor.textContent('[data-testid="chat-log"]'), { timeout: 15_000 }).toContain('Hello from instance B');
      const vTexts = await visitor.locator('[data-testid="chat-message"]').allTextContents();
      expect(vTexts.filter((x) => x.includes('Hello from instance A'))).toHaveLength(1);
      expect(vTexts.filter((x) => x.includes('Hello from instance B'))).toHaveLength(1);

      // The agent (on B) leads the visitor (on A) to another page; both frames show it.
      await agent.fill('[data-testid="lead-url"]', `${demoUrl}/long`);
      await agent.click('[data-testid="lead-go"]');
      const vLong = await coFrame(visitor, /^\/long$/);
      const aLong = await coFrame(agent, /^\/long$/);
      expect(new URL(vLong.url()).pathname).toBe(new URL(aLong.url()).pathname);
      expect(await vLong.textContent('h1')).toBe(await aLong.textContent('h1'));

      // A link the visitor clicks moves the agent's view too.
      await vLong.click('a[href$="/cart"]');
      await coFrame(agent, /^\/cart$/, 20_000);

      await visitor.screenshot({ path: `${shots}/cluster-${tag}-visitor-shell.png` });
      await agent.screenshot({ path: `${shots}/cluster-${tag}-agent-console.png` });

      // The agent ends the session; the visitor on the other instance is told.
      await agent.click('[data-testid="end-session"]');
      await expect.poll(() => visitor.textContent('body'), { timeout: 15_000 }).toMatch(/ended/i);

      // The shared store has the session ended, with its messages and pages.
      const sid = new URL(visitor.url()).pathname.split('/').pop()!;
      const store = await c.openStore();
      try {
        await until('the session is ended in the shared store', async () => (await store.session(sid))?.state === 'ended', 15_000, 100);
        const events = await store.eventsAfter(sid, 0);
        expect(events.filter((e) => e.kind === 'chat').map((e) => e.text)).toEqual(['Hello from instance A', 'Hello from instance B']);
        expect(events.filter((e) => e.kind === 'nav').map((e) => new URL(e.url!).pathname)).toEqual(expect.arrayContaining(['/products', '/long', '/cart']));
      } finally {
        await store.close();
      }
    } catch (err) {
      await visitor.screenshot({ path: `${shots}/cluster-${tag}-visitor-failure.png` }).catch(() => {});
      await agent.screenshot({ path: `${shots}/cluster-${tag}-agent-failure.png` }).catch(() => {});
      throw new Error(`${(err as Error).message}\n\nframes:\n${wire.join('\n')}\n\n${c.logs(4000)}`);
    } finally {
      await vctx.close();
      await actx.close();
    }
  });
});

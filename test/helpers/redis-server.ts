// A real redis-server for tests, on a free loopback port, with an append-only file (fsync always, as production should run it) in a throwaway dir.
// Fails with a clear message when the binary is missing (`.ci/run` installs Debian's redis-server).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { freePort } from '../../bench/lib/proc-stats.ts';

export interface TestRedis {
  url: string;
  port: number;
  /** Stops the server (SIGKILL), as an outage would. */
  kill(): Promise<void>;
  /** Starts it again on the same port, with the data it had (append-only file). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

export function redisServerAvailable(): boolean {
  return spawnSync(BIN, ['--version'], { stdio: 'ignore' }).status === 0;
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = createConnection({ host: '127.0.0.1', port });
      s.once('connect', () => (s.destroy(), resolve()));
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`redis-server did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

export async function startRedis(): Promise<TestRedis> {
  if (!redisServerAvailable()) {
    throw new Error(`redis-server not found (tried "${BIN}"): install Debian's redis-server package (apt-get install redis-server) or set REDIS_SERVER_BIN`);
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cb-redis-'));
  let proc: ChildProcess | null = null;
  const launch = async () => {
    proc = spawn(BIN, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir, '--protected-mode', 'no'], { stdio: 'ignore' });
    await waitForPort(port, 10_000);
  };
  const kill = async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    restart: launch,
    async close() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

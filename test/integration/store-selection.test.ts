// Which store a gateway opens, and what stops it at start: two gateways on one SQLite file without
// Redis refuse (in one process and across processes), an unreachable DATABASE_URL stops with a coded
// error that names what to do, and creates no SQLite file.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startTestGateway } from '../helpers/gateway.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cb-store-select-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `npm run gateway`'s entry point with this environment until it exits (or times out). */
function runGateway(env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', PROXY_PORT: '0', LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    p.stderr.on('data', (b) => (stderr += b));
    const t = setTimeout(() => (p.kill('SIGKILL'), reject(new Error(`gateway did not exit within ${timeoutMs} ms: ${stderr}`))), timeoutMs);
    p.on('exit', (code) => (clearTimeout(t), resolve({ code, stderr })));
  });
}

describe('store selection at start', () => {
  it('a second gateway on the same SQLite file without Redis refuses to start, in this process and in another; once the first stops, it starts', async () => {
    const databasePath = join(dir, 'one.sqlite');
    const first = await startTestGateway({ databasePath });
    try {
      await expect(startTestGateway({ databasePath })).rejects.toMatchObject({ code: 'CB_ERR_STORE_LOCKED' });
      const other = await runGateway({ DATABASE_PATH: databasePath });
      expect(other.code).toBe(1);
      expect(other.stderr).toMatch(/^CB_ERR_STORE_LOCKED: Another gateway is already running on this SQLite file/m);
      expect(other.stderr).toContain(databasePath);
    } finally {
      await first.close();
    }
    const again = await startTestGateway({ databasePath });
    await again.close();
  });

  it('a gateway killed with SIGKILL leaves no stale lock behind', async () => {
    const databasePath = join(dir, 'killed.sqlite');
    const p = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(await freePort()), PROXY_PORT: String(await freePort()), LOG_LEVEL: 'info', DATABASE_PATH: databasePath },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('gateway did not start')), 30_000);
      p.stdout!.on('data', (b) => String(b).includes('gateway.listening') && (clearTimeout(t), resolve()));
    });
    await expect(startTestGateway({ databasePath })).rejects.toMatchObject({ code: 'CB_ERR_STORE_LOCKED' });
    await new Promise((r) => (p.once('exit', r), p.kill('SIGKILL')));
    const after = await startTestGateway({ databasePath });
    await after.close();
  });

  it('an unreachable DATABASE_URL stops the start with CB_ERR_STORE_UNREACHABLE saying what to do, and creates no SQLite file', async () => {
    const databasePath = join(dir, 'never.sqlite');
    const r = await runGateway({ DATABASE_URL: `postgres://gw:pw@127.0.0.1:${await freePort()}/cobrowse`, DATABASE_PATH: databasePath, DATABASE_CONNECT_TIMEOUT_MS: '2000' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^CB_ERR_STORE_UNREACHABLE: The database \(DATABASE_URL\) could not be reached: check that PostgreSQL is running/m);
    expect(r.stderr).not.toContain(':pw@');
    expect(existsSync(databasePath)).toBe(false);
  });
});

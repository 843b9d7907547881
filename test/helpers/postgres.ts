// A real PostgreSQL server for tests: its own cluster (initdb) in a throwaway dir, on a free loopback
// port, run as the `postgres` OS user (PostgreSQL refuses to run as root), never the system service.
// Fails with a clear message naming Debian's package when the binaries are missing (`.ci/run`
// installs `postgresql`); never a silent skip. It can stop (SIGKILL, as a crash would, or a fast
// shutdown) and start again on the same port with its data, for fault tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { freePort } from '../../bench/lib/proc-stats.ts';

export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:PORT/cobrowse (trust auth on loopback only). */
  url: string;
  port: number;
  /** A URL for another database on the same server, created empty (one per test file or case). */
  createDatabase(name: string): Promise<string>;
  /** Stops the server at once (immediate shutdown: connections cut, no checkpoint), as a crash would. */
  kill(): Promise<void>;
  /** Stops the server with a fast shutdown (what `systemctl restart` does). */
  stop(): Promise<void>;
  /** Starts it again on the same port, with its data. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Where Debian puts the server binaries: /usr/lib/postgresql/<major>/bin (newest first), or PG_BIN. */
export function postgresBinDir(): string | null {
  if (process.env.PG_BIN) return existsSync(join(process.env.PG_BIN, 'postgres')) ? process.env.PG_BIN : null;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
  for (const m of majors) if (existsSync(join(root, m, 'bin', 'postgres'))) return join(root, m, 'bin');
  return null;
}

function requireBinDir(): string {
  const bin = postgresBinDir();
  if (!bin) {
    throw new Error(
      'PostgreSQL server binaries not found under /usr/lib/postgresql/<version>/bin: install Debian\'s postgresql package (apt-get install postgresql) or set PG_BIN to the directory holding initdb and postgres',
    );
  }
  return bin;
}

function postgresIds(): { uid: number; gid: number } | null {
  if (userInfo().uid !== 0) return null;
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) throw new Error('running as root but there is no `postgres` OS user: install Debian\'s postgresql package (it creates the user)');
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

function waitForPort(port: number, timeoutMs: number, proc: () => ChildProcess | null, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const p = proc();
      if (p && p.exitCode !== null) return reject(new Error(`postgres exited with ${p.exitCode} before listening:\n${log()}`));
      const s = createConnection({ host: '127.0.0.1', port });
      s.once('connect', () => (s.destroy(), resolve()));
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`postgres did not listen on 127.0.0.1:${port} within ${timeoutMs} ms:\n${log()}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = requireBinDir();
  const ids = postgresIds();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cb-pg-'));
  const data = join(dir, 'data');
  // The postgres user must own the cluster dir and reach it through the temp dir.
  if (ids) {
    chownSync(dir, ids.uid, ids.gid);
    chmodSync(dir, 0o700);
  }
  // As the postgres OS user when we are root (PostgreSQL refuses root): spawned with its uid, not
  // through runuser, so signals reach the postmaster itself.
  const as = ids ? { uid: ids.uid, gid: ids.gid, cwd: dir } : {};
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'], { encoding: 'utf8', ...as });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status}): ${init.stderr || init.stdout || init.error?.message}`);
  }
  // Loopback only, trust auth there; sockets in the temp dir, not /var/run/postgresql.
  writeFileSync(join(data, 'pg_hba.conf'), 'host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust\n');
  if (ids) chownSync(join(data, 'pg_hba.conf'), ids.uid, ids.gid);

  let proc: ChildProcess | null = null;
  let output = '';
  const start = async () => {
    output = '';
    const args = [
      '-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir,
      // A test server: no fsync (the data dir is thrown away; a killed server loses nothing, as the OS
      // keeps the writes), but synchronous commits, so an acknowledged commit survives a kill as in production.
      '-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'max_connections=100', '-c', 'shared_buffers=16MB',
    ];
    const p = spawn(join(bin, 'postgres'), args, { stdio: ['ignore', 'pipe', 'pipe'], ...as });
    p.stdout!.on('data', (b) => (output = (output + b).slice(-4000)));
    p.stderr!.on('data', (b) => (output = (output + b).slice(-4000)));
    proc = p;
    await waitForPort(port, 20_000, () => proc, () => output);
    // Accepting TCP is not yet accepting queries (startup recovery after a kill): wait for pg_isready.
    const deadline = Date.now() + 20_000;
    while (spawnSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-t', '1']).status !== 0) {
      if (Date.now() > deadline) throw new Error(`postgres on ${port} did not become ready:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const signal = async (sig: NodeJS.Signals) => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      // A "crash" is SIGQUIT (immediate shutdown: clients cut, no checkpoint, crash recovery at the
      // next start): a SIGKILLed postmaster would leave its backends holding the shared memory.
      p.kill(sig);
    });
  };
  const psql = (sql: string) => {
    const r = spawnSync(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qc', sql], { encoding: 'utf8', ...as });
    if (r.status !== 0) throw new Error(`psql ${sql}: ${r.stderr}`);
  };

  try {
    await start();
    psql('CREATE DATABASE cobrowse');
  } catch (err) {
    await signal('SIGQUIT');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const urlFor = (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  return {
    url: urlFor('cobrowse'),
    port,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`database name ${name}: use lower-case letters, digits and _`);
      psql(`CREATE DATABASE ${name}`);
      return urlFor(name);
    },
    kill: () => signal('SIGQUIT'),
    stop: () => signal('SIGINT'),
    start,
    async close() {
      await signal('SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

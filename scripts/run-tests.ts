// `npm test`: finds Chromium for the browser tests (installing Debian's package when running as root
// and it is missing), runs every vitest project (unit, integration, e2e; then cluster alone), and ends with the line
// `N passed, N failed`. Never skips the browser tests silently.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';

function findChromium(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
  for (const c of candidates) if (existsSync(c)) return c;
  if (process.getuid?.() === 0) {
    console.log('test: Chromium not found; installing Debian package "chromium" with apt-get…');
    spawnSync('apt-get', ['update'], { stdio: 'inherit' });
    const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status === 0 && existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  }
  console.error('test: Chromium is required for the browser tests. Install it (Debian: `apt-get install chromium`) or set CHROMIUM_PATH.');
  process.exit(2);
}

const chromium = findChromium();
mkdirSync('test-results', { recursive: true });
const subset = process.argv.length > 2;
let passed = 0;
let failed = 0;
let ok = true;

/** One vitest invocation; its counts go into the totals. */
function vitest(args: string[], report: string) {
  const r = spawnSync('npx', ['vitest', 'run', ...args], { stdio: 'inherit', env: { ...process.env, CHROMIUM_PATH: chromium, VITEST_JSON: report } });
  ok &&= r.status === 0;
  try {
    const j = JSON.parse(readFileSync(report, 'utf8'));
    passed += j.numPassedTests ?? 0;
    failed += j.numFailedTests || j.numFailedTestSuites || 0;
  } catch {
    failed += 1;
  }
}

if (subset) vitest(process.argv.slice(2), 'test-results/vitest.json');
else {
  vitest(['--project', 'unit', '--project', 'integration', '--project', 'e2e'], 'test-results/vitest.json');
  // The cluster tests (several gateway processes, kill -9) run alone, after the rest.
  console.log('\ntest: cluster tests (gateway processes on a real redis-server)');
  vitest(['--project', 'cluster'], 'test-results/vitest-cluster.json');
}

// The benchmark harness runs as a smoke test after the suite (not beside it, so it competes with
// nothing): `--quick` checks that every scenario runs and that its correctness checks hold (no
// visitor lost or double-assigned), not speed. Skipped only when a subset of tests was asked for.
let benchOk = true;
if (!subset) {
  console.log('\ntest: benchmark smoke run (npm run bench -- --quick)');
  const b = spawnSync('node', ['--import', 'tsx', 'bench/run.ts', '--quick', '--json', 'test-results/bench-quick.json', '--html', 'test-results/bench-quick.html'], {
    stdio: 'inherit',
    timeout: 180_000,
  });
  benchOk = b.status === 0;
  if (benchOk) passed += 1;
  else failed += 1;
  writeFileSync('test-results/summary.json', JSON.stringify({ passed, failed }));
} else {
  writeFileSync('test-results/summary.json', JSON.stringify({ passed, failed }));
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(ok && benchOk ? 0 : 1);

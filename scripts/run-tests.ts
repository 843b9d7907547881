// `npm test`: finds Chromium for the browser tests (installing Debian's package when running as root
// and it is missing), runs every vitest project (unit, integration, e2e), and ends with the line
// `N passed, N failed`. Never skips the browser tests silently.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, mkdirSync } from 'node:fs';

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
const args = ['vitest', 'run', ...process.argv.slice(2)];
const r = spawnSync('npx', args, { stdio: 'inherit', env: { ...process.env, CHROMIUM_PATH: chromium } });

let passed = 0;
let failed = 0;
try {
  const j = JSON.parse(readFileSync('test-results/vitest.json', 'utf8'));
  passed = j.numPassedTests ?? 0;
  failed = (j.numFailedTests ?? 0) + (j.numFailedTestSuites ?? 0 ? 0 : 0);
  if (j.numFailedTestSuites && !j.numFailedTests) failed = j.numFailedTestSuites;
} catch {
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(r.status ?? 1);

// `npm run bench`: how many visitors, agents and co-browse sessions one gateway carries, at what
// latency, next to the alternatives, measured side by side in one run. See bench/README.md.
//
// The harness only orchestrates: the gateway, the peers, the fixture origin and every load
// generator run in their own processes. Exit code 1 when a correctness check fails (visitors lost or
// double-assigned, messages lost, proxy bytes altered, a scenario crashed), never because of speed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseOptions, USAGE, type Options, type ScenarioName } from './lib/options.ts';
import { Progress, StepRecorder } from './lib/progress.ts';
import { createContext, type BenchContext } from './lib/context.ts';
import { machineInfo } from './lib/machine.ts';
import { emptyResult, type ScenarioResult } from './lib/results.ts';
import { markdownReport } from './lib/report-table.ts';
import { htmlReport } from './lib/report-html.ts';
import { REPO_ROOT } from './lib/gateway-process.ts';
import { bundleChildren } from './lib/child-bundles.ts';
import { forkFromBundles } from './lib/rpc.ts';
import { runQueueStorm } from './scenarios/queue-storm.ts';
import { runChatSync } from './scenarios/chat-sync.ts';
import { runProxy } from './scenarios/proxy.ts';
import { startInjector } from './scenarios/injector.ts';
import { runSoak } from './scenarios/soak.ts';
import { runTti } from './scenarios/tti.ts';
import { runCapacity } from './scenarios/capacity.ts';

const SCENARIO_RUNNERS: Record<ScenarioName, { title: string; steps: number; run: (ctx: BenchContext) => Promise<ScenarioResult> }> = {
  queue: { title: 'Queue storm', steps: 1, run: runQueueStorm },
  chat: { title: 'Chat and sync', steps: 2, run: runChatSync },
  proxy: { title: 'Proxy', steps: 1, run: runProxy },
  injector: { title: 'Injector', steps: 1, run: (ctx) => startInjector(ctx)() },
  // Only with --only soak: it holds its load for --minutes.
  soak: { title: 'Soak', steps: 1, run: runSoak },
  // Only with --only capacity (or --quick, two tiny steps each): sweeps on one gateway, 4-6 minutes.
  capacity: { title: 'Capacity', steps: 2, run: runCapacity },
  tti: { title: 'Time to interactive', steps: 1, run: runTti },
};

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  process.on('SIGINT', () => process.exit(130));
  process.on('SIGTERM', () => process.exit(143));

  const machine = machineInfo();
  const progress = new Progress(opts.only.reduce((n, s) => n + SCENARIO_RUNNERS[s].steps, 0));
  const ctx = createContext(opts, progress);
  const started = Date.now();
  progress.note(`cobrowse bench${opts.quick ? ' (quick)' : ''}: ${opts.only.join(', ')} on ${machine.cpuCount}× ${machine.cpuModel}, Node ${machine.node}, commit ${machine.commit}${opts.target ? `, target ${opts.target}` : ''}`);

  // --quick checks the harness, not speed, and must finish in 30 s: every scenario starts now, side
  // by side (most of their time is processes loading and small loads waiting on timers). The first
  // draws the progress bar; the others record their steps, printed on their turn.
  if (opts.quick) forkFromBundles(await bundleChildren());
  const early = new Map<ScenarioName, { steps: StepRecorder; result: Promise<ScenarioResult> }>();
  if (opts.quick) {
    for (const name of opts.only.slice(1)) {
      const steps = new StepRecorder();
      const result = SCENARIO_RUNNERS[name].run({ ...ctx, progress: steps });
      result.catch(() => {}); // reported on its turn
      early.set(name, { steps, result });
    }
  }
  const run = async (name: ScenarioName): Promise<ScenarioResult> => {
    const e = early.get(name);
    if (!e) return SCENARIO_RUNNERS[name].run(ctx);
    const r = await e.result.catch((err: Error) => err);
    for (const step of e.steps.steps) progress.replay({ ...step, label: `${step.label} (alongside the others)` });
    if (r instanceof Error) throw r;
    return r;
  };

  const results: ScenarioResult[] = [];
  for (const name of opts.only) {
    const s = SCENARIO_RUNNERS[name];
    try {
      results.push(await run(name));
    } catch (err) {
      // A crashed scenario is a failed run, but the others still report.
      const r = emptyResult(name, s.title);
      r.checks.push({ scenario: name, name: 'scenario completed', ok: false, detail: (err as Error).message.split('\n').slice(0, 12).join(' ') });
      results.push(r);
      progress.note(`${s.title} failed: ${(err as Error).stack ?? err}`);
    }
  }
  const totalSec = (Date.now() - started) / 1000;

  const md = markdownReport(machine, results, opts.quick);
  process.stdout.write(`\n${md}\nTotal time: ${totalSec.toFixed(1)} s\n`);

  const checks = results.flatMap((r) => r.checks);
  if (opts.json) {
    const file = resolve(process.cwd(), opts.json);
    mkdirSync(dirname(file), { recursive: true });
    const clock = ctx.clockOffsetsMs.map(Math.abs);
    const json = {
      machine,
      options: opts,
      totalSeconds: totalSec,
      clientClockOffsetMaxMs: clock.length ? Math.max(...clock) : null,
      scenarios: results,
      figures: results.flatMap((r) => r.figures),
      ratios: results.flatMap((r) => r.ratios),
      checks,
      ok: checks.every((c) => c.ok),
    };
    writeFileSync(file, JSON.stringify(json, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
    process.stdout.write(`JSON: ${file}\n`);
  }
  // The default lives in the repo (bench/results/, git-ignored); a given path is relative to the cwd.
  const html = opts.html ? resolve(process.cwd(), opts.html) : resolve(REPO_ROOT, 'bench/results/report.html');
  mkdirSync(dirname(html), { recursive: true });
  writeFileSync(html, htmlReport(machine, results, opts.quick));
  process.stdout.write(`HTML report: ${html}\n`);

  const failed = checks.filter((c) => !c.ok);
  if (failed.length) {
    process.stdout.write(`\n${failed.length} correctness check(s) FAILED:\n${failed.map((c) => `  ${c.scenario}: ${c.name}: ${c.detail}`).join('\n')}\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

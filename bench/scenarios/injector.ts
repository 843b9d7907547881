// Scenario 4, injector: the existing injector benchmark (bench/injector/injector.bench.ts,
// runInjectorBench), run in a child process and reported with the rest.
import type { BenchRow } from '../injector/injector.bench.ts';
import type { BenchContext } from '../lib/context.ts';
import { emptyResult, fig, fmt, type ScenarioResult } from '../lib/results.ts';

type InjectorRun = { rows: BenchRow[]; pages: number; bytes: number };

/** Starts the injector bench now; the returned function reports it (waiting if it still runs). */
export function startInjector(ctx: BenchContext): () => Promise<ScenarioResult> {
  const t0 = Date.now();
  const running = (async () => {
    const child = await ctx.fork('scenarios/injector-process.ts', 'injector');
    try {
      return await child.call<InjectorRun>('run', { quick: ctx.opts.quick });
    } finally {
      await child.stop();
    }
  })();
  running.catch(() => {}); // reported when awaited
  return async () => {
    ctx.progress.start(`injector: ${ctx.opts.quick ? 'a sample of the 258-page' : '258-page'} corpus, in its own process`, 1);
    const tick = setInterval(() => ctx.progress.update(0, `running ${Math.round((Date.now() - t0) / 1000)} s`), 500);
    try {
      return report(ctx, await running);
    } finally {
      clearInterval(tick);
    }
  };
}

function report(ctx: BenchContext, { rows, pages, bytes }: InjectorRun): ScenarioResult {
  const r = emptyResult('injector', 'Injector');
  for (const row of rows) fig(r, row.name, { throughput: [row.mbPerSec, 'MB/s'], 'relative to htmlparser2 Parser': [row.ratio, 'x'] });
  const ours = rows.find((x) => x.name === 'rewriteHtml (injector)');
  if (ours) r.ratios.push({ scenario: r.name, name: 'rewriteHtml / htmlparser2 Parser (no-op callbacks)', value: ours.ratio, unit: 'x', goal: '>= 0.4', met: ours.ratio >= 0.4 });
  const cheerio = rows.find((x) => x.name.startsWith('cheerio load (parse5'));
  if (ours && cheerio) r.ratios.push({ scenario: r.name, name: 'rewriteHtml / cheerio (parse5) round trip', value: ours.mbPerSec / cheerio.mbPerSec, unit: 'x' });
  r.tables.push({
    title: `Injector: HTML rewriting throughput over the htmlparser-benchmark corpus (${pages === 258 ? '' : `${pages} of `}258 pages, ${fmt(bytes / 1e6)} MB)`,
    headers: ['target', 'MB/s', 'vs htmlparser2 Parser'],
    rows: rows.map((x) => [x.name, fmt(x.mbPerSec), fmt(x.ratio)]),
  });
  r.bars.push({ title: 'HTML throughput over the corpus', unit: 'MB/s', items: rows.map((x) => ({ label: x.name, value: x.mbPerSec })) });
  if (ctx.opts.quick) r.notes.push(`Quick run: one timed pass over ${pages} of the corpus's 258 pages, beside the other scenarios, so its figures are not comparable.`);
  ctx.progress.finish(ours ? `rewriteHtml ${fmt(ours.mbPerSec)} MB/s (${fmt(ours.ratio)}x reference)` : '');
  return r;
}

// The terminal summary: the scenarios' tables, the ratios and the checks, as Markdown tables so they
// can be pasted into the README's Performance section as they are.
import type { MachineInfo } from './machine.ts';
import { fmt, type ScenarioResult, type Table } from './results.ts';

const esc = (s: string) => s.replace(/\|/g, '\\|');

export function markdownTable(t: Table): string {
  const lines = [`**${t.title}**`, '', `| ${t.headers.map(esc).join(' | ')} |`, `|${t.headers.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const row of t.rows) lines.push(`| ${row.map(esc).join(' | ')} |`);
  return lines.join('\n');
}

export function markdownReport(machine: MachineInfo, results: ScenarioResult[], quick: boolean): string {
  const out: string[] = [];
  out.push(
    `Machine: ${machine.cpuModel}, ${machine.cpuCount} CPUs, ${machine.memoryGiB} GiB; ${machine.os}; Node ${machine.node}; commit ${machine.commit}${machine.dirty ? ' (with uncommitted changes)' : ''}; ${machine.date}${quick ? ' — QUICK RUN (tiny sizes: checks the harness, not speed)' : ''}`,
    '',
  );
  if (machine.loadAverage1m > machine.cpuCount / 4) {
    out.push(`Load average when the bench started: ${machine.loadAverage1m} on ${machine.cpuCount} CPUs — other work was running, so figures are noisier than on an idle machine.`, '');
  }
  for (const r of results) for (const t of r.tables) out.push(markdownTable(t), '');
  const ratios = results.flatMap((r) => r.ratios);
  if (ratios.length) {
    out.push(
      markdownTable({
        title: 'Ratios',
        headers: ['ratio', 'value', 'issue target', 'met'],
        rows: ratios.map((x) => [x.name, `${fmt(x.value)}x`, x.goal ?? '', x.goal ? (x.met ? 'yes' : 'no') : '']),
      }),
      '',
    );
  }
  const checks = results.flatMap((r) => r.checks);
  if (checks.length) {
    out.push(
      markdownTable({
        title: 'Correctness checks (a failure makes the bench exit non-zero)',
        headers: ['check', 'result', 'detail'],
        rows: checks.map((c) => [`${c.scenario}: ${c.name}`, c.ok ? 'ok' : 'FAILED', c.detail]),
      }),
      '',
    );
  }
  const notes = results.flatMap((r) => r.notes.map((n) => `- ${r.title}: ${n}`));
  if (notes.length) out.push('Notes:', ...notes, '');
  return out.join('\n');
}

// The self-contained HTML report: tables, plus charts drawn here as inline SVG (no script, no CDN),
// so the file can be archived as a CI artifact and opened anywhere. Latency percentiles per
// scenario as grouped bars; throughput over time as lines.
import type { MachineInfo } from './machine.ts';
import { fmt, type BarChart, type LatencyChart, type ScenarioResult, type Series, type Table } from './results.ts';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#ca8a04'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A round axis maximum (1, 2, 2.5, 5 × 10^n) at or above v. */
function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function yAxis(x0: number, y0: number, h: number, w: number, max: number, unit: string): string {
  let s = '';
  for (let i = 0; i <= 4; i++) {
    const y = y0 + h - (h * i) / 4;
    s += `<line x1="${x0}" x2="${x0 + w}" y1="${y}" y2="${y}" stroke="#e5e7eb"/>`;
    s += `<text x="${x0 - 6}" y="${y + 4}" text-anchor="end" class="tick">${fmt((max * i) / 4)}</text>`;
  }
  s += `<text x="${x0 - 44}" y="${y0 + h / 2}" transform="rotate(-90 ${x0 - 44} ${y0 + h / 2})" text-anchor="middle" class="tick">${esc(unit)}</text>`;
  return s;
}

export function latencySvg(c: LatencyChart): string {
  const pcts = [
    ['p50', (s: LatencyChart['groups'][0]['summary']) => s.p50],
    ['p95', (s: LatencyChart['groups'][0]['summary']) => s.p95],
    ['p99', (s: LatencyChart['groups'][0]['summary']) => s.p99],
  ] as const;
  const groupW = 150;
  const x0 = 60;
  const y0 = 30;
  const h = 200;
  const w = Math.max(300, c.groups.length * groupW);
  const max = niceMax(Math.max(...c.groups.flatMap((g) => pcts.map(([, f]) => f(g.summary))).filter(Number.isFinite)));
  let s = `<svg xmlns="http://www.w3.org/2000/svg" width="${x0 + w + 20}" height="${y0 + h + 60}" role="img" aria-label="${esc(c.title)}">`;
  s += `<text x="${x0}" y="18" class="title">${esc(c.title)}</text>`;
  s += yAxis(x0, y0, h, w, max, 'ms');
  c.groups.forEach((g, gi) => {
    const gx = x0 + gi * groupW + 20;
    pcts.forEach(([name, f], pi) => {
      const v = f(g.summary);
      const bh = Number.isFinite(v) ? (Math.min(v, max) / max) * h : 0;
      const x = gx + pi * 36;
      s += `<rect x="${x}" y="${y0 + h - bh}" width="30" height="${bh}" fill="${COLORS[pi]}"><title>${esc(`${g.subject} ${name}: ${fmt(v)} ms`)}</title></rect>`;
      s += `<text x="${x + 15}" y="${y0 + h - bh - 4}" text-anchor="middle" class="val">${fmt(v)}</text>`;
    });
    s += `<text x="${gx + 52}" y="${y0 + h + 16}" text-anchor="middle" class="tick">${esc(g.subject.length > 24 ? g.subject.slice(0, 23) + '…' : g.subject)}</text>`;
  });
  pcts.forEach(([name], pi) => {
    s += `<rect x="${x0 + pi * 60}" y="${y0 + h + 32}" width="10" height="10" fill="${COLORS[pi]}"/><text x="${x0 + pi * 60 + 14}" y="${y0 + h + 41}" class="tick">${name}</text>`;
  });
  return s + '</svg>';
}

export function lineSvg(title: string, series: Series[]): string {
  const x0 = 60;
  const y0 = 30;
  const h = 200;
  const w = 520;
  const n = Math.max(2, ...series.map((x) => x.points.length));
  const max = niceMax(Math.max(...series.flatMap((x) => x.points).filter(Number.isFinite)));
  const px = (i: number) => x0 + (w * i) / (n - 1);
  const py = (v: number) => y0 + h - (Math.min(v, max) / max) * h;
  let s = `<svg xmlns="http://www.w3.org/2000/svg" width="${x0 + w + 20}" height="${y0 + h + 40 + series.length * 16}" role="img" aria-label="${esc(title)}">`;
  s += `<text x="${x0}" y="18" class="title">${esc(title)}</text>`;
  s += yAxis(x0, y0, h, w, max, series[0]?.unit ?? '');
  for (let i = 0; i < n; i += Math.max(1, Math.ceil(n / 10))) s += `<text x="${px(i)}" y="${y0 + h + 14}" text-anchor="middle" class="tick">${i}s</text>`;
  series.forEach((x, k) => {
    const color = COLORS[k % COLORS.length];
    const pts = x.points.map((v, i) => `${px(i).toFixed(1)},${py(v).toFixed(1)}`).join(' ');
    s += `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"/>`;
    x.points.forEach((v, i) => (s += `<circle cx="${px(i).toFixed(1)}" cy="${py(v).toFixed(1)}" r="2.5" fill="${color}"><title>${esc(`${x.name} @${i}s: ${fmt(v)} ${x.unit}`)}</title></circle>`));
    const ly = y0 + h + 30 + k * 16;
    s += `<rect x="${x0}" y="${ly - 9}" width="10" height="10" fill="${color}"/><text x="${x0 + 14}" y="${ly}" class="tick">${esc(`${x.name} (${x.unit})`)}</text>`;
  });
  return s + '</svg>';
}

export function barSvg(c: BarChart): string {
  const x0 = 280;
  const rowH = 22;
  const w = 360;
  const max = niceMax(Math.max(...c.items.map((i) => i.value).filter(Number.isFinite)));
  let s = `<svg xmlns="http://www.w3.org/2000/svg" width="${x0 + w + 80}" height="${30 + c.items.length * rowH + 10}" role="img" aria-label="${esc(c.title)}">`;
  s += `<text x="10" y="18" class="title">${esc(`${c.title} (${c.unit})`)}</text>`;
  c.items.forEach((it, i) => {
    const y = 30 + i * rowH;
    const bw = (Math.min(it.value, max) / max) * w;
    s += `<text x="${x0 - 8}" y="${y + 14}" text-anchor="end" class="tick">${esc(it.label)}</text>`;
    s += `<rect x="${x0}" y="${y + 2}" width="${bw}" height="${rowH - 6}" fill="${COLORS[i % COLORS.length]}"/>`;
    s += `<text x="${x0 + bw + 4}" y="${y + 14}" class="val">${fmt(it.value)}</text>`;
  });
  return s + '</svg>';
}

function htmlTable(t: Table): string {
  return `<table><caption>${esc(t.title)}</caption><thead><tr>${t.headers.map((x) => `<th>${esc(x)}</th>`).join('')}</tr></thead><tbody>${t.rows
    .map((row) => `<tr>${row.map((c, i) => (i === 0 ? `<th scope="row">${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

export function htmlReport(machine: MachineInfo, results: ScenarioResult[], quick: boolean): string {
  const sections = results.map((r) => {
    const lines: string[] = [];
    // One line chart per unit so different magnitudes (visitors/s vs queue length) stay readable.
    const byUnit = new Map<string, Series[]>();
    for (const x of r.series) byUnit.set(x.unit, [...(byUnit.get(x.unit) ?? []), x]);
    for (const [unit, xs] of byUnit) lines.push(lineSvg(`${r.title}: ${unit} over time`, xs));
    return `<section><h2>${esc(r.title)}</h2>
${r.tables.map(htmlTable).join('\n')}
<div class="charts">${r.latency.map(latencySvg).join('')}${r.bars.map(barSvg).join('')}${lines.join('')}</div>
${r.notes.length ? `<ul class="notes">${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
</section>`;
  });
  const ratios = results.flatMap((r) => r.ratios);
  const checks = results.flatMap((r) => r.checks);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Co-browsing gateway bench — ${esc(machine.date)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#111827}
h1{font-size:1.5rem}h2{margin-top:2.5rem;border-bottom:1px solid #e5e7eb}
table{border-collapse:collapse;margin:1rem 0;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #e5e7eb;padding:.3rem .6rem;text-align:right}th[scope=row],thead th:first-child{text-align:left}
thead th{background:#f9fafb}.ok{color:#15803d}.fail{color:#b91c1c;font-weight:700}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem}.charts svg{background:#fff;border:1px solid #f3f4f6}
svg .title{font:600 13px system-ui,sans-serif}svg .tick{font:11px system-ui,sans-serif;fill:#4b5563}svg .val{font:10px system-ui,sans-serif;fill:#111827}
.meta{color:#4b5563}.quick{background:#fef3c7;padding:.5rem;border-radius:6px}
</style></head><body>
<h1>How many visitors, agents and co-browse sessions one gateway carries</h1>
<p class="meta">${esc(machine.cpuModel)}, ${machine.cpuCount} CPUs, ${machine.memoryGiB} GiB · ${esc(machine.os)} · Node ${esc(machine.node)} · commit ${esc(machine.commit)}${machine.dirty ? ' (uncommitted changes)' : ''} · ${esc(machine.date)}</p>
${machine.loadAverage1m > machine.cpuCount / 4 ? `<p class="quick">Load average ${machine.loadAverage1m} on ${machine.cpuCount} CPUs when the bench started: other work was running, so figures are noisier than on an idle machine.</p>` : ''}
${quick ? '<p class="quick">Quick run: tiny sizes to check the harness works. These figures say nothing about speed.</p>' : ''}
${ratios.length ? `<table><caption>Ratios</caption><thead><tr><th>ratio</th><th>value</th><th>issue target</th><th>met</th></tr></thead><tbody>${ratios
    .map((x) => `<tr><th scope="row">${esc(x.name)}</th><td>${fmt(x.value)}x</td><td>${esc(x.goal ?? '')}</td><td>${x.goal ? (x.met ? '<span class="ok">yes</span>' : '<span class="fail">no</span>') : ''}</td></tr>`)
    .join('')}</tbody></table>` : ''}
${checks.length ? `<table><caption>Correctness checks</caption><tbody>${checks
    .map((c) => `<tr><th scope="row">${esc(`${c.scenario}: ${c.name}`)}</th><td class="${c.ok ? 'ok' : 'fail'}">${c.ok ? 'ok' : 'FAILED'}</td><td>${esc(c.detail)}</td></tr>`)
    .join('')}</tbody></table>` : ''}
${sections.join('\n')}
</body></html>
`;
}

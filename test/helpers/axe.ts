// axe-core in a real page: its source is evaluated in the page (CDP evaluation, so no page CSP
// can refuse it) and run against the WCAG 2.0/2.1 A and AA rules. The co-browse iframe shows a
// third-party page, not our UI, so frames are not entered.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** Serious and critical WCAG A/AA violations on the page as it is now. */
export async function seriousViolations(page: Page, label: string): Promise<AxeViolation[]> {
  await page.evaluate(source);
  const all = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, iframes: false, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`) }));
  })) as AxeViolation[];
  const bad = all.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) console.error(`[axe] ${label}:\n${bad.map((v) => `  ${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.slice(0, 5).join('\n    ')}`).join('\n')}`);
  return bad;
}

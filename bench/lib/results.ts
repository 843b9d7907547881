// The shape of everything the bench measures. Every number is a Figure with its unit, so the JSON,
// the terminal table and the HTML report are three views of the same records.
import type { LatencySummary } from './hdr.ts';

export interface Figure {
  scenario: string;
  /** What was measured: "gateway", "uws-relay", "http-proxy keep-alive"… */
  subject: string;
  metric: string;
  value: number;
  unit: string;
}

export interface Ratio {
  scenario: string;
  name: string;
  value: number;
  unit: 'x';
  /** The issue's target, when there is one, e.g. "<= 1.5". Informational: speed never fails the run. */
  goal?: string;
  met?: boolean;
}

/** Correctness: a failed check makes the bench exit non-zero. */
export interface Check {
  scenario: string;
  name: string;
  ok: boolean;
  detail: string;
}

/** Throughput over time, one point per second. */
export interface Series {
  scenario: string;
  name: string;
  unit: string;
  points: number[];
}

export interface LatencyGroup {
  subject: string;
  summary: LatencySummary;
}

export interface LatencyChart {
  scenario: string;
  title: string;
  groups: LatencyGroup[];
}

export interface Table {
  title: string;
  headers: string[];
  rows: string[][];
}

/** A plain bar chart (e.g. injector MB/s). */
export interface BarChart {
  title: string;
  unit: string;
  items: { label: string; value: number }[];
}

export interface ScenarioResult {
  name: string;
  title: string;
  figures: Figure[];
  ratios: Ratio[];
  checks: Check[];
  series: Series[];
  latency: LatencyChart[];
  bars: BarChart[];
  tables: Table[];
  notes: string[];
}

export function emptyResult(name: string, title: string): ScenarioResult {
  return { name, title, figures: [], ratios: [], checks: [], series: [], latency: [], bars: [], tables: [], notes: [] };
}

/** Adds figures for one subject: fig(r, 'gateway', {p99: [3.1, 'ms']}). */
export function fig(r: ScenarioResult, subject: string, values: Record<string, [number, string]>): void {
  for (const [metric, [value, unit]] of Object.entries(values)) r.figures.push({ scenario: r.name, subject, metric, value, unit });
}

export function latencyFigures(r: ScenarioResult, subject: string, prefix: string, s: LatencySummary): void {
  fig(r, subject, {
    [`${prefix} count`]: [s.count, 'samples'],
    [`${prefix} p50`]: [s.p50, 'ms'],
    [`${prefix} p95`]: [s.p95, 'ms'],
    [`${prefix} p99`]: [s.p99, 'ms'],
    [`${prefix} p99.9`]: [s.p999, 'ms'],
    [`${prefix} max`]: [s.max, 'ms'],
  });
}

/** Number formatting for tables: 3 significant digits, thousands kept whole. */
export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (v === 0) return '0';
  return Number(v.toPrecision(digits)).toString();
}

export const mib = (bytes: number) => bytes / (1024 * 1024);

/** Warnings and errors the gateway logged while a scenario ran go into its notes: worth a look. */
export function logNotes(r: ScenarioResult, issues: Map<string, number>): void {
  for (const [msg, n] of issues) r.notes.push(`Gateway log during this scenario: ${n}× ${msg}`);
}

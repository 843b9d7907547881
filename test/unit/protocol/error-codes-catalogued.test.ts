// Every error code in the source comes from a catalogue (gateway/errors.ts, protocol/errors.ts):
// a code typed as a string anywhere else must be one of theirs, and no error is built as a raw
// `new Error('CB_ERR_…: …')` (a GatewayError carries its code, status and catalogue message).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GatewayErrors } from '../../../gateway/errors.ts';
import { PageProblems, WireErrors } from '../../../protocol/errors.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CATALOGUES = new Set(['gateway/errors.ts', 'protocol/errors.ts']);
const DIRS = ['gateway', 'protocol', 'visitor-shell/src', 'agent-ui/src', 'injector', 'scripts', 'demo-site', 'bench', 'test'];
const KNOWN = new Set([...Object.keys(GatewayErrors), ...Object.keys(WireErrors), ...Object.keys(PageProblems)]);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'results') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|js|svelte)$/.test(name)) out.push(p);
  }
  return out;
}

const files = DIRS.flatMap((d) => sources(join(ROOT, d))).map((p) => ({ rel: relative(ROOT, p), text: readFileSync(p, 'utf8') }));
const thisFile = relative(ROOT, fileURLToPath(import.meta.url));

describe('error codes', () => {
  it('every CB_ERR_ code in the source is in a catalogue', () => {
    const unknown: string[] = [];
    for (const f of files) {
      if (CATALOGUES.has(f.rel) || f.rel === thisFile) continue;
      for (const m of f.text.matchAll(/CB_ERR_[A-Z0-9_]*[A-Z0-9]/g)) {
        if (!KNOWN.has(m[0])) unknown.push(`${f.rel}:${f.text.slice(0, m.index).split('\n').length}: ${m[0]}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('no gateway or browser code builds a raw Error whose message carries a code', () => {
    const raw: string[] = [];
    for (const f of files) {
      if (f.rel.startsWith('test/') || f.rel === thisFile) continue;
      for (const m of f.text.matchAll(/new Error\(\s*[`'"]CB_ERR_/g)) raw.push(`${f.rel}:${f.text.slice(0, m.index).split('\n').length}`);
    }
    expect(raw).toEqual([]);
  });

  it('finds the codes it is meant to police (the scan is not vacuous)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.some((f) => f.rel === 'visitor-shell/src/overlay/problems.ts' && f.text.includes("'CB_ERR_PAGE_BLANK'"))).toBe(true);
  });
});

import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { rewriteHtml } from '../../../injector/index.ts';
import { testMapUrl } from './helpers.ts';

/**
 * Golden cases: test/fixtures/rewrite/<case>/{input.html, expected.html, ctx.json?}.
 * ctx.json may set pageUrl and injectHead. Files are compared as exact strings (no
 * normalization), since passing untouched bytes through unchanged is part of the contract.
 * UPDATE_GOLDEN=1 rewrites expected.html from the current output (review the diff!).
 */
const root = fileURLToPath(new URL('../../fixtures/rewrite/', import.meta.url));
const cases = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

interface CaseCtx {
  pageUrl?: string;
  injectHead?: string;
}

describe('rewriteHtml golden fixtures', () => {
  it('has enough cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  for (const name of cases) {
    it(name, () => {
      const dir = join(root, name);
      const input = readFileSync(join(dir, 'input.html'), 'utf8');
      const ctxFile = join(dir, 'ctx.json');
      const c: CaseCtx = existsSync(ctxFile) ? JSON.parse(readFileSync(ctxFile, 'utf8')) : {};
      const out = rewriteHtml(input, {
        pageUrl: c.pageUrl ?? 'https://shop.example/a/b.html',
        mapUrl: testMapUrl,
        injectHead: c.injectHead,
      });
      const expectedFile = join(dir, 'expected.html');
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(expectedFile, out);
      const expected = readFileSync(expectedFile, 'utf8');
      if (out.length > 100_000) {
        // Keep failure output readable for the 1 MB case.
        expect(out.length).toBe(expected.length);
        expect(out === expected).toBe(true);
      } else {
        expect(out).toBe(expected);
      }
    });
  }
});

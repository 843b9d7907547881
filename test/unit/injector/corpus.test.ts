import { Parser } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { rewriteHtml } from '../../../injector/index.ts';
import { corpusFiles, isProxyUrl, testMapUrl } from './helpers.ts';

/**
 * Robustness over the 258 real pages of htmlparser-benchmark. The checker below is written
 * independently of the injector (its own attribute table and URL tests, htmlparser2's Parser
 * for decoding) so it can catch attributes the injector misses.
 */
const pages = corpusFiles();
const pageUrl = 'https://www.example.com/dir/page.html';
const INJECT = '<script src="/__cb/overlay.js"></script>';

const URL_ATTRS: Record<string, string[]> = {
  a: ['href'],
  area: ['href'],
  base: ['href'],
  link: ['href'],
  form: ['action'],
  button: ['formaction'],
  input: ['formaction', 'src'],
  img: ['src'],
  source: ['src'],
  script: ['src'],
  iframe: ['src'],
  frame: ['src'],
  video: ['src', 'poster'],
  audio: ['src'],
  track: ['src'],
  object: ['data'],
  embed: ['src'],
  body: ['background'],
  table: ['background'],
  td: ['background'],
  th: ['background'],
  html: ['manifest'],
};
const SRCSET_ATTRS: Record<string, string> = { img: 'srcset', source: 'srcset', link: 'imagesrcset' };

/** Would a browser load this without our proxy if left as is? */
function isExternal(value: string): boolean {
  const v = value.replace(/[\t\n\r]/g, '').replace(/^[\x00-\x20]+/, '');
  return /^(https?:|[/\\]{2})/i.test(v);
}

function checkUrl(value: string, where: string, problems: string[]): void {
  const v = value.replace(/[\t\n\r]/g, '').trim();
  if (isExternal(v) && !isProxyUrl(v)) problems.push(`${where}: ${v.slice(0, 120)}`);
}

// Comments, strings, url(...) and @import "...", in document order, so url( inside a comment,
// a string or a bad url's remnants is skipped like a CSS tokenizer would.
const CSS_TOKENS =
  /\/\*[\s\S]*?(?:\*\/|$)|(["'])(?:(?!\1)[^\\\n]|\\[\s\S])*\1?|(?<![\w\\-])url\(\s*(?:(["'])((?:(?!\2)[^\\\n]|\\[\s\S])*)\2?|([^)]*)\)?)|@import\s+(["'])((?:(?!\5)[^\\\n]|\\[\s\S])*)/gi;

function checkCss(css: string, where: string, problems: string[]): void {
  for (const m of css.matchAll(CSS_TOKENS)) {
    if (m[3] !== undefined) checkUrl(m[3], where + ' url()', problems);
    else if (m[4] !== undefined) {
      const v = m[4].trim();
      // Whitespace or quotes inside an unquoted url() make it a bad url: nothing is fetched.
      if (!/[\s'"(]/.test(v)) checkUrl(v, where + ' url()', problems);
    } else if (m[6] !== undefined) checkUrl(m[6], where + ' @import', problems);
  }
}

function auditRewritten(html: string): { problems: string[]; urlCount: number } {
  const problems: string[] = [];
  let urlCount = 0;
  let svg = 0;
  let inStyle = false;
  const parser = new Parser({
    onopentag(name, attrs) {
      const check = (attr: string): void => {
        const v = attrs[attr];
        if (v === undefined) return;
        urlCount++;
        checkUrl(v, `<${name} ${attr}>`, problems);
      };
      for (const a of URL_ATTRS[name] ?? []) check(a);
      if (svg > 0 || name === 'svg') check('href');
      check('xlink:href');
      const ss = SRCSET_ATTRS[name];
      if (ss && attrs[ss]) {
        for (const tok of attrs[ss].split(/[\s,]+/)) if (isExternal(tok)) checkUrl(tok, `<${name} ${ss}>`, problems);
      }
      if (attrs.style) checkCss(attrs.style, `<${name} style>`, problems);
      if (name === 'meta' && attrs['http-equiv']?.trim().toLowerCase() === 'refresh' && attrs.content) {
        const m = /^\s*[\d.]+\s*[;,]?\s*(?:url\s*=\s*)?['"]?([^'"]*)/i.exec(attrs.content);
        if (m) checkUrl(m[1], '<meta refresh>', problems);
      }
      if (name === 'meta' && attrs['http-equiv']?.trim().toLowerCase() === 'content-security-policy') {
        problems.push('CSP meta left in place');
      }
      if (name === 'svg') svg++;
      if (name === 'style') inStyle = true;
    },
    ontext(text) {
      if (inStyle) checkCss(text, '<style>', problems);
    },
    onclosetag(name) {
      if (name === 'svg' && svg > 0) svg--;
      if (name === 'style') inStyle = false;
    },
  });
  parser.end(html);
  return { problems, urlCount };
}

/** Start tags with their attribute names, to compare document structure before/after. */
function tagShape(html: string): string[] {
  const shape: string[] = [];
  new Parser({
    onopentag(name, attrs) {
      shape.push(name + '[' + Object.keys(attrs).filter((a) => a !== 'integrity').join(',') + ']');
    },
  }).end(html);
  return shape;
}

describe('corpus (htmlparser-benchmark, 258 pages)', () => {
  it('has the expected corpus', () => {
    expect(pages.length).toBe(258);
  });

  it('every page rewrites, keeps its structure and leaves no external URL unmapped', () => {
    const failures: string[] = [];
    let checkedUrls = 0;
    let changedPages = 0;
    for (const { name, html } of pages) {
      let out: string;
      try {
        out = rewriteHtml(html, { pageUrl, mapUrl: testMapUrl });
      } catch (e) {
        failures.push(`${name}: threw ${(e as Error).message}`);
        continue;
      }
      if (out !== html) changedPages++;
      const { problems, urlCount } = auditRewritten(out);
      checkedUrls += urlCount;
      for (const p of problems.slice(0, 5)) failures.push(`${name}: ${p}`);
      // Same elements with the same attributes (integrity aside) in the same order.
      const before = tagShape(html);
      const after = tagShape(out);
      if (before.length !== after.length || before.some((t, i) => t !== after[i])) {
        const i = before.findIndex((t, k) => t !== after[k]);
        failures.push(`${name}: structure changed at tag #${i}: ${before[i]} -> ${after[i]}`);
      }
    }
    expect(failures).toEqual([]);
    expect(checkedUrls).toBeGreaterThan(10_000);
    expect(changedPages).toBeGreaterThan(200);
  });

  it('the audit itself catches unmapped URLs', () => {
    const { problems } = auditRewritten(
      '<a href="https://x.example/"><img srcset="a.png 1x, //x.example/b.png 2x"><div style="background:url(http://x.example/)">' +
        '<svg><use href="https://x.example/"/></svg><style>/* url(https://c.example/) */ a{b:url( "https://x.example/" )}' +
        ' @import \'//x.example/\'; c{content:"url(https://s.example/)"}</style>',
    );
    expect(problems.length).toBe(6);
  });

  it('a null mapper without injection returns every page byte-identical', () => {
    // None of the corpus pages has a CSP <meta>, the only thing removed regardless of the mapper.
    for (const { name, html } of pages) {
      const out = rewriteHtml(html, { pageUrl, mapUrl: () => null });
      if (out !== html) throw new Error(`${name} changed with a null mapper`);
    }
  });

  it('the injected head comes before every page script, exactly once', () => {
    for (const { name, html } of pages) {
      const out = rewriteHtml(html, { pageUrl, mapUrl: testMapUrl, injectHead: INJECT });
      expect(out.split(INJECT).length, name).toBe(2);
      const scripts: string[] = [];
      new Parser({
        onopentag(tag, attrs) {
          if (tag === 'script') scripts.push(attrs.src ?? '(inline)');
        },
      }).end(out);
      expect(scripts[0], name).toBe('/__cb/overlay.js');
    }
  });
});

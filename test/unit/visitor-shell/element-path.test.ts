import { describe, expect, it } from 'vitest';
import { MAX_PATH_SEGMENTS, resolvePath, stablePath, type PathElement, type PathRoot } from '../../../visitor-shell/src/overlay/element-path.ts';

// A tiny DOM-free tree that satisfies the structural interface.
class N implements PathElement {
  id: string;
  parentElement: N | null = null;
  children: N[] = [];
  constructor(
    public localName: string,
    id = '',
  ) {
    this.id = id;
  }
  get previousElementSibling(): N | null {
    if (!this.parentElement) return null;
    const i = this.parentElement.children.indexOf(this);
    return i > 0 ? this.parentElement.children[i - 1] : null;
  }
  add(...kids: N[]): this {
    for (const k of kids) {
      k.parentElement = this;
      this.children.push(k);
    }
    return this;
  }
}

function doc(body: N, html = new N('html')): PathRoot {
  html.add(new N('head'), body);
  const all = (n: N): N[] => [n, ...n.children.flatMap(all)];
  return {
    body,
    getElementById: (id) => all(html).find((n) => n.id === id) ?? null,
  };
}

describe('element paths', () => {
  const p1 = new N('p');
  const p2 = new N('p');
  const span = new N('span');
  const section = new N('section', 'intro').add(new N('h2'), p1, new N('div'), p2.add(span));
  const main = new N('main').add(new N('div'), section);
  const body = new N('body').add(new N('header'), new N('div'), main);
  const root = doc(body);

  it('starts from the nearest ancestor with a stable id, else from body', () => {
    expect(stablePath(section, root)).toBe('#intro');
    expect(stablePath(p2, root)).toBe('#intro>p:nth-of-type(2)');
    expect(stablePath(span, root)).toBe('#intro>p:nth-of-type(2)>span:nth-of-type(1)');
    expect(stablePath(main, root)).toBe('body>main:nth-of-type(1)');
    expect(stablePath(body, root)).toBe('body');
  });

  it('round-trips: resolve(stablePath(el)) === el', () => {
    for (const el of [p1, p2, span, section, main, body]) expect(resolvePath(stablePath(el, root)!, root)).toBe(el);
  });

  it('ignores duplicate and odd ids', () => {
    const a = new N('div', 'dup');
    const b = new N('div', 'dup');
    const c = new N('div', 'has space');
    const r = doc(new N('body').add(a, b, c));
    expect(stablePath(b, r)).toBe('body>div:nth-of-type(2)');
    expect(stablePath(c, r)).toBe('body>div:nth-of-type(3)');
  });

  it('returns null outside body (head, detached)', () => {
    expect(stablePath(new N('div'), root)).toBe(null);
  });

  it('resolves exactly, or loosely to the deepest ancestor found', () => {
    expect(resolvePath('#intro>p:nth-of-type(9)', root)).toBe(null);
    expect(resolvePath('#intro>p:nth-of-type(9)', root, true)).toBe(section);
    expect(resolvePath('#missing>p:nth-of-type(1)', root)).toBe(null);
    expect(resolvePath('', root)).toBe(null);
    expect(resolvePath('div>p', root)).toBe(null);
    expect(resolvePath('#intro>p:nth-of-type(1) junk', root)).toBe(null);
  });

  it('caps very deep chains at an ancestor that still resolves', () => {
    const cur = new N('body');
    const r = doc(cur);
    let leaf = cur;
    for (let i = 0; i < MAX_PATH_SEGMENTS + 10; i++) {
      const d = new N('div');
      leaf.add(d);
      leaf = d;
    }
    const path = stablePath(leaf, r)!;
    expect(path.split('>').length).toBe(MAX_PATH_SEGMENTS + 1);
    const el = resolvePath(path, r);
    expect(el).not.toBe(null);
    let isAncestor = false;
    for (let n: N | null = leaf; n; n = n.parentElement) if (n === el) isAncestor = true;
    expect(isAncestor).toBe(true);
  });
});

// Pure pieces of the overlay's escape closers: srcset and CSS url() mapping, the shared tab list.
import { describe, expect, it } from 'vitest';
import { proxifyCssUrls, proxifySrcset } from '../../../visitor-shell/src/overlay/proxify.ts';
import { SharedTabs } from '../../../visitor-shell/src/common/shared-tabs.ts';
import { MAX_SHARED_TABS } from '../../../protocol/index.ts';

const map = (u: string) => (u.startsWith('https://') ? `P[${u}]` : u);

describe('srcset', () => {
  it('maps each candidate URL and keeps descriptors', () => {
    expect(proxifySrcset('https://a/1.png 1x, https://a/2.png 2x', map)).toBe('P[https://a/1.png] 1x, P[https://a/2.png] 2x');
    expect(proxifySrcset('https://a/1.png', map)).toBe('P[https://a/1.png]');
    expect(proxifySrcset('rel.png 100w,https://a/b.png 200w', map)).toBe('rel.png 100w,P[https://a/b.png] 200w');
    expect(proxifySrcset('https://a/1.png,, https://a/2.png', map)).toBe('P[https://a/1.png],, P[https://a/2.png]');
    expect(proxifySrcset('', map)).toBe('');
  });
});

describe('CSS url()', () => {
  it('maps quoted and bare URLs, leaves the rest', () => {
    expect(proxifyCssUrls('url(https://a/x.png)', map)).toBe('url("P[https://a/x.png]")');
    expect(proxifyCssUrls(`url('https://a/x.png') no-repeat, URL("rel.png")`, map)).toBe(`url('P[https://a/x.png]') no-repeat, URL("rel.png")`);
    expect(proxifyCssUrls('red', map)).toBe('red');
  });
});

describe('SharedTabs', () => {
  it('opens, switches, closes and adopts the other party\'s list', () => {
    const t = new SharedTabs();
    t.onPage('https://a/1');
    const opened = t.open('https://b/2');
    expect(opened.tabs.map((x) => x.url)).toEqual(['https://a/1', 'https://b/2']);
    expect(opened.active).toBe(opened.tabs[1].id);
    expect(t.activate(opened.tabs[0].id)).toBe('https://a/1');
    expect(t.activate(opened.tabs[0].id)).toBeNull(); // already shown
    t.onPage('https://a/1b', 'One');
    expect(t.tabs[0]).toMatchObject({ url: 'https://a/1b', title: 'One' });
    expect(t.close(opened.tabs[1].id)).toBeNull(); // not the shown tab
    expect(t.tabs).toHaveLength(1);
    const other = new SharedTabs();
    other.replace(t.state().tabs, t.state().active);
    expect(other.state()).toEqual(t.state());
  });

  it('keeps at most the protocol\'s limit, dropping the oldest inactive tab', () => {
    const t = new SharedTabs();
    t.onPage('https://a/0');
    for (let i = 1; i <= MAX_SHARED_TABS + 2; i++) t.open(`https://a/${i}`);
    expect(t.tabs).toHaveLength(MAX_SHARED_TABS);
    expect(t.tabs.find((x) => x.id === t.active)?.url).toBe(`https://a/${MAX_SHARED_TABS + 2}`);
  });

  it('closing the shown tab shows its neighbour', () => {
    const t = new SharedTabs();
    t.onPage('https://a/0');
    t.open('https://a/1');
    expect(t.close(t.active)).toBe('https://a/0');
  });
});

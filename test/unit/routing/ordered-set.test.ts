import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderedSet } from '../../../gateway/routing/ordered-set.ts';

describe('OrderedSet', () => {
  it('behaves like a sorted array under random adds and deletes (order, rank, at, first, size)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 60 })), { maxLength: 300 }), (ops) => {
        const set = new OrderedSet<number>((a, b) => a - b);
        const model: number[] = [];
        for (const [add, v] of ops) {
          const has = model.includes(v);
          if (add && !has) {
            set.add(v);
            model.push(v);
            model.sort((a, b) => a - b);
          } else if (!add) {
            expect(set.delete(v)).toBe(has);
            if (has) model.splice(model.indexOf(v), 1);
          }
          expect(set.size).toBe(model.length);
          expect(set.first()).toBe(model[0]);
        }
        expect([...set]).toEqual(model);
        expect(set.toArray()).toEqual(model);
        for (let v = -1; v <= 61; v++) expect(set.rank(v)).toBe(model.filter((m) => m < v).length);
        model.forEach((m, i) => expect(set.at(i)).toBe(m));
        expect(set.at(model.length)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('stays shallow at 100,000 elements inserted in order (no degenerate tree)', () => {
    const set = new OrderedSet<number>((a, b) => a - b);
    for (let i = 0; i < 100_000; i++) set.add(i);
    // Recursion depth is the tree depth: a degenerate tree would overflow the stack here.
    for (let i = 0; i < 100_000; i += 2) set.delete(i);
    expect(set.size).toBe(50_000);
    expect(set.rank(50_001)).toBe(25_000);
    expect(set.first()).toBe(1);
  });
});

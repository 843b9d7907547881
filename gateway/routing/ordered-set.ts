// An ordered set with ranks: a treap (binary search tree kept balanced by random heap priorities)
// whose nodes carry their subtree size. add, delete, first, rank (how many are smaller) and at(i)
// are O(log n) expected; iteration in order is O(1) amortised per element.
//
// Why a treap with sizes rather than per-queue sequence numbers and a Fenwick tree: the serving
// order is not the join order. Head re-queues go before everyone, priorities reorder, and joinedAt
// comes from the clock of whichever instance applied the join (clocks of a cluster differ, and a
// restored snapshot keeps its own), so no integer slot can be assigned once at join time. A
// comparison tree takes any total order; sizes give a position as a rank query.
//
// Elements must not change their ordering fields while in the set (the comparator must keep giving
// the same answer): callers store frozen key objects, never live records. The comparator must be a
// total order: 0 only for the same element. Priorities come from a seeded xorshift, so the shape,
// like everything else in the router, is a function of the operations alone.

interface Node<T> {
  v: T;
  p: number;
  n: number;
  l: Node<T> | null;
  r: Node<T> | null;
}

const size = <T>(t: Node<T> | null) => (t === null ? 0 : t.n);

export class OrderedSet<T> {
  #root: Node<T> | null = null;
  #seed = 0x9e3779b9;
  readonly #cmp: (a: T, b: T) => number;

  constructor(cmp: (a: T, b: T) => number) {
    this.#cmp = cmp;
  }

  get size(): number {
    return size(this.#root);
  }

  #rand(): number {
    let x = this.#seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#seed = x >>> 0;
    return this.#seed;
  }

  /** Adds v; the caller guarantees no equal element is present. */
  add(v: T): void {
    this.#root = this.#insert(this.#root, { v, p: this.#rand(), n: 1, l: null, r: null });
  }

  #insert(t: Node<T> | null, node: Node<T>): Node<T> {
    if (t === null) return node;
    if (node.p > t.p) {
      const [l, r] = this.#split(t, node.v);
      node.l = l;
      node.r = r;
      node.n = size(l) + size(r) + 1;
      return node;
    }
    if (this.#cmp(node.v, t.v) < 0) t.l = this.#insert(t.l, node);
    else t.r = this.#insert(t.r, node);
    t.n++;
    return t;
  }

  /** [elements < v, elements >= v] */
  #split(t: Node<T> | null, v: T): [Node<T> | null, Node<T> | null] {
    if (t === null) return [null, null];
    if (this.#cmp(t.v, v) < 0) {
      const [l, r] = this.#split(t.r, v);
      t.r = l;
      t.n = size(t.l) + size(l) + 1;
      return [t, r];
    }
    const [l, r] = this.#split(t.l, v);
    t.l = r;
    t.n = size(r) + size(t.r) + 1;
    return [l, t];
  }

  #merge(a: Node<T> | null, b: Node<T> | null): Node<T> | null {
    if (a === null) return b;
    if (b === null) return a;
    if (a.p > b.p) {
      a.r = this.#merge(a.r, b);
      a.n = size(a.l) + size(a.r) + 1;
      return a;
    }
    b.l = this.#merge(a, b.l);
    b.n = size(b.l) + size(b.r) + 1;
    return b;
  }

  /** Removes the element equal to v; false if there was none. */
  delete(v: T): boolean {
    // Find first, so a miss leaves every size untouched.
    let t = this.#root;
    while (t !== null) {
      const c = this.#cmp(v, t.v);
      if (c === 0) break;
      t = c < 0 ? t.l : t.r;
    }
    if (t === null) return false;
    this.#root = this.#remove(this.#root!, v);
    return true;
  }

  #remove(t: Node<T>, v: T): Node<T> | null {
    const c = this.#cmp(v, t.v);
    if (c === 0) return this.#merge(t.l, t.r);
    if (c < 0) t.l = this.#remove(t.l!, v);
    else t.r = this.#remove(t.r!, v);
    t.n--;
    return t;
  }

  first(): T | undefined {
    let t = this.#root;
    if (t === null) return undefined;
    while (t.l !== null) t = t.l;
    return t.v;
  }

  /** How many elements are smaller than v (v itself need not be present). */
  rank(v: T): number {
    let n = 0;
    let t = this.#root;
    while (t !== null) {
      if (this.#cmp(t.v, v) < 0) {
        n += size(t.l) + 1;
        t = t.r;
      } else {
        t = t.l;
      }
    }
    return n;
  }

  /** The i-th smallest element (0-based). */
  at(i: number): T | undefined {
    let t = this.#root;
    while (t !== null) {
      const l = size(t.l);
      if (i < l) t = t.l;
      else if (i === l) return t.v;
      else {
        i -= l + 1;
        t = t.r;
      }
    }
    return undefined;
  }

  /** In order. The set must not change while an iteration is running. */
  *[Symbol.iterator](): Generator<T> {
    const stack: Node<T>[] = [];
    let t = this.#root;
    while (t !== null || stack.length > 0) {
      while (t !== null) {
        stack.push(t);
        t = t.l;
      }
      const top = stack.pop()!;
      yield top.v;
      t = top.r;
    }
  }

  /** In order, calling f until it returns false; no generator overhead on hot paths. */
  forEachWhile(f: (v: T) => boolean): void {
    const stack: Node<T>[] = [];
    let t = this.#root;
    while (t !== null || stack.length > 0) {
      while (t !== null) {
        stack.push(t);
        t = t.l;
      }
      const top = stack.pop()!;
      if (!f(top.v)) return;
      t = top.r;
    }
  }

  toArray(): T[] {
    const out: T[] = [];
    this.forEachWhile((v) => {
      out.push(v);
      return true;
    });
    return out;
  }
}

// Helpers for values that may or may not be promises (see ./ports.ts). `andThen()` calls `f` at once
// when the value is already there, so the SQLite path never goes through the microtask queue.
// (Not named `then`: a module exporting `then` makes its namespace object a thenable, and
// `await import()` of it, as vitest's module runner does, would call it.)
import type { Maybe } from './ports.ts';

export function isPromise<T>(v: Maybe<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** `f(v)` now if `v` is a value, later if it is a promise. */
export function andThen<T, U>(v: Maybe<T>, f: (t: T) => Maybe<U>): Maybe<U> {
  return isPromise(v) ? v.then(f) : f(v);
}

/** Like `andThen()`, plus an error handler for both a throw and a rejection. */
export function thenCatch<T, U>(v: Maybe<T>, f: (t: T) => Maybe<U>, onError: (err: unknown) => Maybe<U>): Maybe<U> {
  try {
    return isPromise(v) ? v.then(f, onError) : f(v);
  } catch (err) {
    return onError(err);
  }
}

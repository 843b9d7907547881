// Small helpers for `Maybe` values in the channel (beside ../store/maybe.ts): a list of them, and
// work that finishes in the background, whose failure must be logged rather than left as an
// unhandled rejection (which would stop the process).
import type { Logger } from 'pino';
import type { Maybe } from '../store/ports.ts';
import { isPromise } from '../store/maybe.ts';

/** All values, at once when none is a promise. */
export function all<T>(list: Maybe<T>[]): Maybe<T[]> {
  return list.some(isPromise) ? Promise.all(list) : (list as T[]);
}

/** Lets `v` finish; a rejection is logged. */
export function background(v: Maybe<unknown>, log: Logger, what: string): void {
  if (isPromise(v)) v.catch((err: unknown) => log.error({ err, event: 'channel.failed' }, what));
}

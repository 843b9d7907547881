// pino logs: JSON, one line per session lifecycle event (queued, offered, accepted, navigated, ended).
// Code that works for one session or one agent logs through a child logger carrying its sessionId /
// agentId, so the ids are on every line without being repeated at each call.
//
// URLs in logs lose their query string, fragment and credentials (`redact` below): query strings
// carry tokens (sign-in links, password resets, signed URLs) and REDIS_URL may carry a password.
// `npm start` on a terminal gets a readable log (pino-pretty, in-process: the demo's volume is
// small); `npm run gateway` and anything not on a terminal stay JSON, for log shippers.
import { pino, type Logger, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** Fields that hold URLs, at the top level or one level down (e.g. `req.url`). */
const URL_KEYS = ['url', 'target', 'entryUrl', 'href', 'location', 'referer', 'redisUrl', 'webhookUrl'];
export const REDACTED_PATHS = [...URL_KEYS, ...URL_KEYS.map((k) => `*.${k}`)];

/**
 * A URL without its query, fragment and userinfo: `https://shop.example/reset?token=…` →
 * `https://shop.example/reset?…`. The marker says something was there. Not a URL: left as it is
 * (a path with a query still loses the query).
 */
export function redactUrl(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const m = /^([^?#]*)(\?[^#]*)?(#.*)?$/s.exec(value)!;
  const out = m[1] + (m[2] ? '?…' : '') + (m[3] ? '#…' : '');
  return out.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, '$1…@');
}

export interface LoggerOptions {
  /** Human-readable lines (pino-pretty) instead of JSON. */
  pretty?: boolean;
  /** Where lines go (tests); default stdout. */
  destination?: DestinationStream;
}

export function createLogger(level: string, o: LoggerOptions = {}): Logger {
  const options = {
    level,
    base: { svc: 'gateway' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: (v: unknown) => redactUrl(v) },
  };
  if (o.pretty) return pino(options, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,svc', destination: o.destination ?? 1, sync: true }));
  return o.destination ? pino(options, o.destination) : pino(options);
}

// pino JSON logs: one line per session lifecycle event (queued, offered, accepted, navigated, ended).
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { svc: 'gateway' }, timestamp: pino.stdTimeFunctions.isoTime });
}

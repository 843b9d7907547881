// Logged URLs lose their query strings (they can carry tokens), fragments and credentials.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from '../../../gateway/log.ts';

function capture() {
  const lines: Record<string, any>[] = [];
  const sink = new Writable({
    write(c, _e, cb) {
      for (const l of String(c).split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, log: createLogger('info', { destination: sink }) };
}

describe('log redaction', () => {
  it('strips query, fragment and userinfo from a URL, and leaves other values alone', () => {
    expect(redactUrl('https://shop.example/reset?token=s3cr3t&u=1#step2')).toBe('https://shop.example/reset?…#…');
    expect(redactUrl('/v/abc?sid=xyz')).toBe('/v/abc?…');
    expect(redactUrl('redis://:hunter2@10.0.0.5:6379/0')).toBe('redis://…@10.0.0.5:6379/0');
    expect(redactUrl('https://shop.example/plain')).toBe('https://shop.example/plain');
    expect(redactUrl(42)).toBe(42);
  });

  it('applies to URL fields at the top level, one level down and in child loggers', () => {
    const { lines, log } = capture();
    log.info({ url: 'https://a.example/cb?code=oauth-code', target: 'wss://chat.example/s?jwt=abc' }, 'one');
    log.child({ sessionId: 's1' }).info({ req: { url: '/start?site=x&url=https%3A%2F%2Fa%2F%3Ftoken%3D1' }, entryUrl: 'https://a.example/?token=2' }, 'two');
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/oauth-code|jwt=abc|token/);
    expect(lines[0]).toMatchObject({ url: 'https://a.example/cb?…', target: 'wss://chat.example/s?…', msg: 'one' });
    expect(lines[1]).toMatchObject({ sessionId: 's1', req: { url: '/start?…' }, entryUrl: 'https://a.example/?…' });
  });
});

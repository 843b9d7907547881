import { describe, expect, it } from 'vitest';
import { loadConfig, DEFAULTS } from '../../../gateway/config.ts';

describe('config', () => {
  it('has defaults', () => {
    const c = loadConfig({});
    expect(c).toEqual(DEFAULTS);
    expect(c.routingMode).toBe('auto');
  });
  it('reads the environment', () => {
    const c = loadConfig({ PORT: '9000', ALLOWED_TARGETS: 'http://localhost:3000, https://shop.example', ROUTING_MODE: 'manual', DEPARTMENT_FALLBACK: 'false' });
    expect(c.port).toBe(9000);
    expect(c.allowedTargets).toEqual(['http://localhost:3000', 'https://shop.example']);
    expect(c.routingMode).toBe('manual');
    expect(c.departmentFallback).toBe(false);
  });
  it.each([
    [{ PORT: 'abc' }, /port \(PORT\)/],
    [{ PORT: '70000' }, /port \(PORT\)/],
    [{ ROUTING_MODE: 'random' }, /routingMode \(ROUTING_MODE\)/],
    [{ ALLOWED_TARGETS: 'localhost:3000' }, /allowedTargets \(ALLOWED_TARGETS\)/],
    [{ ALLOWED_TARGETS: 'http://x.test/path' }, /allowedTargets/],
    [{ RING_TIMEOUT_SECONDS: '-1' }, /ringTimeoutSeconds/],
    [{ PORT: '8081', PROXY_PORT: '8081' }, /must differ/],
  ])('fails naming the key for %j', (env, re) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(re);
  });
  it('rejects unknown keys in CONFIG_FILE', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/cbcfg-');
    writeFileSync(`${dir}/c.json`, JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({ CONFIG_FILE: `${dir}/c.json` })).toThrow(/unknown key "prot"/);
    writeFileSync(`${dir}/d.json`, JSON.stringify({ port: 9100 }));
    expect(loadConfig({ CONFIG_FILE: `${dir}/d.json` }).port).toBe(9100);
  });
});

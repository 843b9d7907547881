import { describe, expect, it } from 'vitest';
import { isProxyOriginFor } from '../../../agent-ui/src/lib/proxy-origin.ts';

const TOKEN = 'abcdefghijklmnopqrstuvwxyz';
const OTHER = 'zyxwvutsrqponmlkjihgfedcba';
const proxyUrl = `http://${TOKEN}.localhost:8081/products/1?x=1`;

describe('agent-ui isProxyOriginFor', () => {
  it('accepts the session proxy origin and other token hosts on the same domain and port', () => {
    expect(isProxyOriginFor(proxyUrl, `http://${TOKEN}.localhost:8081`)).toBe(true);
    expect(isProxyOriginFor(proxyUrl, `http://${OTHER}.localhost:8081`)).toBe(true);
    expect(isProxyOriginFor(`https://${TOKEN}.proxy.example.com/`, `https://${OTHER}.proxy.example.com`)).toBe(true);
  });

  it('refuses other ports, schemes, domains and malformed tokens', () => {
    expect(isProxyOriginFor(proxyUrl, `http://${OTHER}.localhost:8080`)).toBe(false);
    expect(isProxyOriginFor(proxyUrl, `https://${OTHER}.localhost:8081`)).toBe(false);
    expect(isProxyOriginFor(proxyUrl, `http://${OTHER}.evil.localhost:8081`)).toBe(false);
    expect(isProxyOriginFor(proxyUrl, `http://${OTHER}.localhost:8081.evil.com`)).toBe(false);
    expect(isProxyOriginFor(proxyUrl, `http://${OTHER.slice(1)}.localhost:8081`)).toBe(false);
    expect(isProxyOriginFor(proxyUrl, `http://${OTHER.toUpperCase()}.localhost:8081`)).toBe(false);
    expect(isProxyOriginFor(proxyUrl, 'http://01234567890123456789012345.localhost:8081')).toBe(false);
    expect(isProxyOriginFor(proxyUrl, 'http://127.0.0.1:8080')).toBe(false);
    expect(isProxyOriginFor(proxyUrl, 'null')).toBe(false);
  });

  it('refuses everything without a usable proxy URL', () => {
    expect(isProxyOriginFor(null, `http://${TOKEN}.localhost:8081`)).toBe(false);
    expect(isProxyOriginFor('not a url', `http://${TOKEN}.localhost:8081`)).toBe(false);
    expect(isProxyOriginFor('http://localhost:8081/', 'http://localhost:8081')).toBe(true);
    expect(isProxyOriginFor('http://localhost:8081/', `http://${TOKEN}.localhost:8081`)).toBe(false);
  });
});

// Ids come from a pooled CSPRNG draw (gateway/ids.ts): every byte used once, across pool refills.
import { describe, expect, it } from 'vitest';
import { newId, newProxyToken, newSecret, PROXY_TOKEN_RE } from '../../../gateway/ids.ts';

describe('ids', () => {
  it('are distinct and well formed across many pool refills, with the sizes mixed', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const id = newId();
      const token = newProxyToken();
      const secret = newSecret();
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(token).toMatch(PROXY_TOKEN_RE);
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      for (const x of [id, token, secret]) {
        expect(seen.has(x)).toBe(false);
        seen.add(x);
      }
    }
  });
});

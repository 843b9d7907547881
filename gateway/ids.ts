// Unguessable identifiers. Session ids are capabilities (the visitor's link), so 128 bits at least.
import { randomBytes } from 'node:crypto';

/** 128-bit id, base64url (22 chars): visitor sessions, agent ids. */
export const newId = (): string => randomBytes(16).toString('base64url');

/** 256-bit secret for login cookies (only its hash is stored). */
export const newSecret = (): string => randomBytes(32).toString('base64url');

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
/** 130-bit lowercase base32 token (26 chars): a DNS label for per-origin proxy hosts. */
export function newProxyToken(): string {
  const bytes = randomBytes(17);
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += B32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}
export const PROXY_TOKEN_RE = /^[a-z2-7]{26}$/;

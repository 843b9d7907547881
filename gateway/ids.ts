// Unguessable identifiers. Session ids are capabilities (the visitor's link), so 128 bits at least.
import { randomBytes } from 'node:crypto';

/** 128-bit id, base64url (22 chars): visitor sessions, agent ids. */
export const newId = (): string => randomBytes(16).toString('base64url');

/** 256-bit secret for login cookies (only its hash is stored). */
export const newSecret = (): string => randomBytes(32).toString('base64url');

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
/** 26 lowercase base32 characters (130 bits) from the first 17 bytes: the PROXY_TOKEN_RE shape. */
export function base32Token(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes.subarray(0, 17)) {
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

/** 130-bit random token (26 chars): a DNS label for per-origin proxy hosts. */
export const newProxyToken = (): string => base32Token(randomBytes(17));
export const PROXY_TOKEN_RE = /^[a-z2-7]{26}$/;

// Unguessable identifiers. Session ids are capabilities (the visitor's link), so 128 bits at least.
import { randomFillSync } from 'node:crypto';

// Random bytes are drawn from the CSPRNG 4 KiB at a time and each byte is used once, as Node's own
// crypto.randomUUID does: a storm makes several ids per visitor, and one call into OpenSSL per id
// (randomBytes) was 4 % of the gateway's busy CPU in the storm's profile.
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let used = POOL_SIZE;

/** `n` fresh random bytes, valid only until the next call (read them at once). */
function random(n: number): Buffer {
  if (used + n > POOL_SIZE) {
    randomFillSync(pool);
    used = 0;
  }
  const b = pool.subarray(used, used + n);
  used += n;
  return b;
}

/** 128-bit id, base64url (22 chars): visitor sessions, agent ids. */
export const newId = (): string => random(16).toString('base64url');

/** 256-bit secret for login cookies (only its hash is stored). */
export const newSecret = (): string => random(32).toString('base64url');

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
export const newProxyToken = (): string => base32Token(random(17));
export const PROXY_TOKEN_RE = /^[a-z2-7]{26}$/;

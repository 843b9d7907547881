// Sign-in hosts that detect being embedded or proxied and refuse to sign anyone in (an error page,
// or nothing at all). Pure, so it can be unit tested; used by problems.ts.

const SIGN_IN_HOSTS = new Set(['accounts.google.com', 'login.microsoftonline.com', 'login.live.com', 'appleid.apple.com']);

/** Whether the real origin is a sign-in host that refuses to work through a proxy. */
export function refusesProxySignIn(realOrigin: string): boolean {
  try {
    return SIGN_IN_HOSTS.has(new URL(realOrigin).hostname.toLowerCase());
  } catch {
    return false;
  }
}

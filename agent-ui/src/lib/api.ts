// Same-origin calls to the gateway's HTTP API. The session cookie is HttpOnly: the console never
// sees it, it only learns who is signed in from /api/me and /api/login.
import * as v from 'valibot';
import { AgentInfo } from '../../../protocol/index.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const AgentBody = v.object({ agent: AgentInfo });

async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'Cannot reach the gateway. Check your connection and try again.');
  }
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = (data ?? {}) as { code?: unknown; message?: unknown };
    const code = typeof err.code === 'string' ? err.code : `HTTP_${res.status}`;
    const message =
      typeof err.message === 'string' && err.message
        ? err.message
        : res.status === 401
          ? 'Wrong email or password.'
          : res.status === 429
            ? 'Too many attempts. Wait a minute and try again.'
            : `The gateway answered ${res.status}. Try again in a moment.`;
    throw new ApiError(res.status, code, message);
  }
  return data;
}

function agentFrom(data: unknown): AgentInfo {
  const r = v.safeParse(AgentBody, data);
  if (!r.success) throw new ApiError(500, 'BAD_RESPONSE', 'The gateway sent an unexpected answer. Reload the page.');
  return r.output.agent;
}

export async function login(email: string, password: string): Promise<AgentInfo> {
  return agentFrom(await call('POST', '/api/login', { email, password }));
}

/** The signed-in agent, or null when the cookie is missing or expired. */
export async function me(): Promise<AgentInfo | null> {
  try {
    return agentFrom(await call('GET', '/api/me'));
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return null;
    throw e;
  }
}

export async function logout(): Promise<void> {
  await call('POST', '/api/logout', {});
}

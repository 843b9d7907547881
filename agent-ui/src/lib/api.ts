// Same-origin calls to the gateway's HTTP API. The session cookie is HttpOnly: the console never
// sees it, it only learns who is signed in from /api/me and /api/login. Every answer is validated
// (valibot) before the UI trusts it; every failure becomes an ApiError with a message fit to show.
import * as v from 'valibot';
import { AgentInfo, Attachment } from '../../../protocol/index.ts';
import { parseRetryAfter } from './login-throttle.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** Seconds from a 429's Retry-After header (null when absent). */
  readonly retryAfter: number | null;
  constructor(status: number, code: string, message: string, retryAfter: number | null = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

async function request(method: Method, path: string, init: { json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {}): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: init.headers ?? { 'content-type': 'application/json' },
      body: init.body ?? (init.json === undefined ? undefined : JSON.stringify(init.json)),
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
          : res.status === 413
            ? 'That is too large for the gateway.'
            : res.status === 429
              ? 'Too many attempts. Wait a minute and try again.'
              : `The gateway answered ${res.status}. Try again in a moment.`;
    throw new ApiError(res.status, code, message, res.status === 429 ? parseRetryAfter(res.headers.get('retry-after'), Date.now()) : null);
  }
  return data;
}

function call(method: Method, path: string, body?: unknown): Promise<unknown> {
  return request(method, path, { json: body });
}

/** Validates a gateway answer; a mismatch means console and gateway disagree on the API. */
function expectShape<S extends v.GenericSchema>(schema: S, data: unknown): v.InferOutput<S> {
  const r = v.safeParse(schema, data);
  if (!r.success) throw new ApiError(500, 'BAD_RESPONSE', 'The gateway sent an unexpected answer. Reload the page.');
  return r.output;
}

// ---------------------------------------------------------------- sign-in

const AgentBody = v.object({ agent: AgentInfo });

export async function login(email: string, password: string): Promise<AgentInfo> {
  return expectShape(AgentBody, await call('POST', '/api/login', { email, password })).agent;
}

/** The signed-in agent, or null when the cookie is missing or expired. */
export async function me(): Promise<AgentInfo | null> {
  try {
    return expectShape(AgentBody, await call('GET', '/api/me')).agent;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return null;
    throw e;
  }
}

export async function logout(): Promise<void> {
  await call('POST', '/api/logout', {});
}

// ---------------------------------------------------------------- agents (directory and admin)

export const Role = v.picklist(['agent', 'supervisor', 'admin']);
export type Role = v.InferOutput<typeof Role>;

export const DirectoryAgent = v.object({
  id: v.string(),
  name: v.string(),
  email: v.string(),
  role: v.string(),
  departments: v.array(v.string()),
  capacity: v.nullable(v.number()),
  disabled: v.boolean(),
});
export type DirectoryAgent = v.InferOutput<typeof DirectoryAgent>;

export interface NewAgentInput {
  email: string;
  password: string;
  name?: string;
  role: Role;
  departments: string[];
  capacity: number | null;
}
export type AgentPatch = Partial<NewAgentInput & { disabled: boolean }>;

export async function listAgents(): Promise<DirectoryAgent[]> {
  return expectShape(v.object({ agents: v.array(DirectoryAgent) }), await call('GET', '/api/agents')).agents;
}

export async function createAgent(input: NewAgentInput): Promise<DirectoryAgent> {
  return expectShape(v.object({ agent: DirectoryAgent }), await call('POST', '/api/admin/agents', input)).agent;
}

export async function updateAgent(id: string, patch: AgentPatch): Promise<DirectoryAgent> {
  return expectShape(v.object({ agent: DirectoryAgent }), await call('PATCH', `/api/admin/agents/${encodeURIComponent(id)}`, patch)).agent;
}

// ---------------------------------------------------------------- canned responses

export const CannedResponse = v.object({
  id: v.string(),
  /** null: shared with every agent (created by a supervisor or admin). */
  agentId: v.nullable(v.string()),
  shortcut: v.string(),
  text: v.string(),
  createdAt: v.number(),
});
export type CannedResponse = v.InferOutput<typeof CannedResponse>;

export async function listCanned(): Promise<CannedResponse[]> {
  return expectShape(v.object({ canned: v.array(CannedResponse) }), await call('GET', '/api/canned')).canned;
}

export async function addCanned(input: { shortcut: string; text: string; shared?: boolean }): Promise<CannedResponse> {
  return expectShape(v.object({ canned: CannedResponse }), await call('POST', '/api/canned', input)).canned;
}

export async function deleteCanned(id: string): Promise<void> {
  await call('DELETE', `/api/canned/${encodeURIComponent(id)}`);
}

// ---------------------------------------------------------------- offline messages

export const OfflineMessage = v.object({
  id: v.string(),
  sessionId: v.nullable(v.string()),
  siteId: v.string(),
  name: v.string(),
  email: v.string(),
  message: v.string(),
  createdAt: v.number(),
  handledBy: v.nullable(v.string()),
});
export type OfflineMessage = v.InferOutput<typeof OfflineMessage>;

export async function listOfflineMessages(): Promise<OfflineMessage[]> {
  return expectShape(v.object({ messages: v.array(OfflineMessage) }), await call('GET', '/api/offline-messages')).messages;
}

export async function markOfflineHandled(id: string): Promise<void> {
  await call('POST', `/api/offline-messages/${encodeURIComponent(id)}/handled`, {});
}

// ---------------------------------------------------------------- attachments

/** Uploads a file as the raw request body; the gateway answers with the stored attachment. */
export async function uploadAttachment(sessionId: string, file: File): Promise<Attachment> {
  const data = await request('POST', `/api/sessions/${encodeURIComponent(sessionId)}/attachments`, {
    body: file,
    headers: { 'content-type': file.type, 'x-filename': encodeURIComponent(file.name || 'attachment') },
  });
  return expectShape(v.object({ attachment: Attachment }), data).attachment;
}

export const attachmentUrl = (id: string) => `/api/attachments/${encodeURIComponent(id)}`;

// Agent login: scrypt-hashed passwords, a random login token in an HttpOnly SameSite=Strict cookie,
// only the token's SHA-256 stored. The same check authenticates the console's WebSocket at upgrade.
import { createHash } from 'node:crypto';
import type { AgentRecord, Role } from '../store/types.ts';
import type { AgentStore, Maybe } from '../store/ports.ts';
import { andThen } from '../store/maybe.ts';
import { newId, newSecret } from '../ids.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { GatewayError } from '../errors.ts';

export const AUTH_COOKIE = 'cb_agent';
const TTL_MS = 12 * 3600 * 1000;

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

export interface PublicAgent {
  id: string;
  name: string;
  email: string;
  role: Role;
}

/**
 * The login token from a Cookie header. Proxied pages share the console's site, so one could plant a
 * second `cb_agent` cookie for the console's host (cookie tossing); when more than one is present
 * the request is treated as signed out rather than guessing which is ours.
 */
export function authCookieFrom(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const values = header.split(';').map((p) => p.trim()).filter((p) => p.startsWith(`${AUTH_COOKIE}=`));
  return values.length === 1 ? values[0].slice(AUTH_COOKIE.length + 1) : undefined;
}

export const publicAgent = (a: AgentRecord): PublicAgent => ({ id: a.id, name: a.name, email: a.email, role: a.role });

export class AgentAuth {
  constructor(
    /** Hand it the cached store (store/open-store.ts): agentFor runs on every request. */
    private readonly store: AgentStore,
    private readonly secureCookie: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  async createAgent(input: { email: string; password: string; name?: string; role?: Role; departments?: string[]; capacity?: number | null }): Promise<AgentRecord> {
    if (await this.store.agentByEmail(input.email)) throw new GatewayError('CB_ERR_BAD_REQUEST', `An agent with email ${input.email} already exists.`);
    if (input.password.length < 8) throw new GatewayError('CB_ERR_BAD_REQUEST', 'Passwords need at least 8 characters.');
    return await this.store.createAgent({
      id: newId(),
      email: input.email,
      name: input.name ?? input.email.split('@')[0],
      passwordHash: await hashPassword(input.password),
      role: input.role ?? 'agent',
      departments: input.departments ?? [],
      capacity: input.capacity ?? null,
      disabled: false,
    });
  }

  async setPassword(agentId: string, password: string) {
    if (password.length < 8) throw new GatewayError('CB_ERR_BAD_REQUEST', 'Passwords need at least 8 characters.');
    await this.store.updateAgent(agentId, { passwordHash: await hashPassword(password) });
  }

  /** Checks credentials; returns the agent and a Set-Cookie value. */
  async login(email: string, password: string): Promise<{ agent: AgentRecord; cookie: string }> {
    const agent = await this.store.agentByEmail(email);
    // Verify against a dummy hash for unknown emails so timing does not reveal which exist.
    const ok = await verifyPassword(password, agent?.passwordHash ?? DUMMY_HASH);
    if (!agent || !ok) throw new GatewayError('CB_ERR_AUTH_INVALID');
    if (agent.disabled) throw new GatewayError('CB_ERR_AUTH_DISABLED');
    const token = newSecret();
    await this.store.saveAuthToken(sha256(token), agent.id, this.now() + TTL_MS);
    return { agent, cookie: this.#cookie(token, TTL_MS / 1000) };
  }

  /** Forgets the login token; answers the Set-Cookie value that clears it, once the token is gone. */
  logout(cookieValue: string | undefined): Maybe<string> {
    const cleared = this.#cookie('', 0);
    return cookieValue ? andThen(this.store.deleteAuthToken(sha256(cookieValue)), () => cleared) : cleared;
  }

  /** The signed-in agent, or null; a value at once on the SQLite store and from the agent cache. */
  agentFor(cookieValue: string | undefined): Maybe<AgentRecord | null> {
    if (!cookieValue) return null;
    return this.store.agentForToken(sha256(cookieValue), this.now());
  }

  #cookie(value: string, maxAge: number): string {
    return `${AUTH_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(maxAge)}${this.secureCookie ? '; Secure' : ''}`;
  }
}

const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

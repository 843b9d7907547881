// Sign-in state. The cookie is HttpOnly, so "signed in" means /api/me or /api/login said so.
import type { AgentInfo } from '../../../protocol/index.ts';
import { ApiError, login, logout, me } from './api.ts';

export type AuthPhase = 'checking' | 'signed-out' | 'signed-in';

export class AuthState {
  phase = $state<AuthPhase>('checking');
  agent = $state.raw<AgentInfo | null>(null);
  /** Shown on the login screen (wrong password, gateway unreachable, sign-in expired). */
  error = $state<string | null>(null);
  busy = $state(false);

  /** On load: skip the login screen when the cookie is still valid. */
  async check(): Promise<void> {
    this.phase = 'checking';
    try {
      const agent = await me();
      if (agent) this.#signedIn(agent);
      else this.phase = 'signed-out';
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      this.phase = 'signed-out';
    }
  }

  async login(email: string, password: string): Promise<boolean> {
    if (this.busy) return false;
    if (!email.trim() || !password) {
      this.error = 'Enter your email and password.';
      return false;
    }
    this.busy = true;
    this.error = null;
    try {
      this.#signedIn(await login(email.trim(), password));
      return true;
    } catch (e) {
      this.error = e instanceof ApiError ? e.message : 'Sign-in failed. Try again.';
      return false;
    } finally {
      this.busy = false;
    }
  }

  async logout(): Promise<void> {
    this.busy = true;
    try {
      await logout();
    } catch {
      /* the cookie may already be gone; sign out locally either way */
    } finally {
      this.busy = false;
      this.agent = null;
      this.error = null;
      this.phase = 'signed-out';
    }
  }

  /** The gateway refused the console's socket for good (cookie expired or revoked). */
  expire(message: string): void {
    this.agent = null;
    this.error = message;
    this.phase = 'signed-out';
  }

  #signedIn(agent: AgentInfo) {
    this.agent = agent;
    this.error = null;
    this.phase = 'signed-in';
  }
}

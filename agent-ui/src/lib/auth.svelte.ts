// Sign-in state. The cookie is HttpOnly, so "signed in" means /api/me or /api/login said so.
import type { AgentInfo } from '../../../protocol/index.ts';
import { ApiError, login, logout, me } from './api.ts';
import { t } from './i18n.ts';
import { LoginThrottle } from './login-throttle.ts';

export type AuthPhase = 'checking' | 'signed-out' | 'signed-in';

export class AuthState {
  phase = $state<AuthPhase>('checking');
  agent = $state.raw<AgentInfo | null>(null);
  /** Shown on the login screen (wrong password, gateway unreachable, sign-in expired). */
  error = $state<string | null>(null);
  busy = $state(false);
  /** Seconds until the gateway accepts another attempt (0: not throttled); counts down each second. */
  throttleSeconds = $state(0);
  #throttle = new LoginThrottle();
  #tick: ReturnType<typeof setInterval> | null = null;

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
    if (this.busy || this.#throttle.active) return false;
    if (!email.trim() || !password) {
      this.error = t('login.missing');
      return false;
    }
    this.busy = true;
    this.error = null;
    try {
      this.#signedIn(await login(email.trim(), password));
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 429) {
        // CB_ERR_LOGIN_THROTTLED: the login screen shows the wait, with the form disabled.
        this.error = null;
        this.#startThrottle(e.retryAfter);
        return false;
      }
      this.error = e instanceof ApiError ? e.message : t('login.failed');
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

  #startThrottle(seconds: number | null): void {
    this.#throttle.hit(seconds);
    this.throttleSeconds = this.#throttle.remaining();
    if (this.#tick) return;
    this.#tick = setInterval(() => {
      this.throttleSeconds = this.#throttle.remaining();
      if (this.throttleSeconds === 0 && this.#tick) {
        clearInterval(this.#tick);
        this.#tick = null;
      }
    }, 250);
  }

  #signedIn(agent: AgentInfo) {
    this.agent = agent;
    this.error = null;
    this.phase = 'signed-in';
  }
}

// Outgoing webhooks for session.started, session.ended and offline.message. Each body is signed:
// `x-cobrowse-signature: sha256=<hex HMAC of the raw body with WEBHOOK_SECRET>` and carries a
// delivery id and timestamp, so receivers can verify and de-duplicate. Delivery is in the
// background with retries; it never blocks or fails the action that caused it.
import { createHmac, randomUUID } from 'node:crypto';
import { request } from 'undici';
import type { Logger } from 'pino';

export type WebhookEvent = 'session.started' | 'session.ended' | 'offline.message';

export function signBody(secret: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

export class Webhooks {
  #pending = new Set<Promise<void>>();
  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly log: Logger,
    private readonly retries = 3,
  ) {}

  emit(event: WebhookEvent, data: Record<string, unknown>): void {
    if (!this.url) return;
    const id = randomUUID();
    const body = JSON.stringify({ id, event, at: new Date().toISOString(), data });
    const p = this.#deliver(id, event, body).finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  async #deliver(id: string, event: WebhookEvent, body: string): Promise<void> {
    for (let attempt = 1; attempt <= this.retries; attempt++) {
      try {
        const res = await request(this.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-cobrowse-event': event,
            'x-cobrowse-delivery': id,
            'x-cobrowse-signature': signBody(this.secret, body),
          },
          body,
          headersTimeout: 5000,
          bodyTimeout: 5000,
        });
        await res.body.dump();
        if (res.statusCode < 300) return;
        this.log.warn({ event, id, status: res.statusCode, attempt }, 'webhook refused');
      } catch (err) {
        this.log.warn({ event, id, attempt, err: (err as Error).message }, 'webhook delivery failed');
      }
      await new Promise((r) => setTimeout(r, 250 * 4 ** (attempt - 1)));
    }
    this.log.error({ event, id }, 'webhook dropped after retries');
  }

  /** Waits for deliveries in flight (shutdown, tests). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }
}

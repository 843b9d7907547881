// The co-browse frame's CSS size, reported as `viewport {w, h}` so the agent can render the page at
// the visitor's size. Sent when the socket is (re)opened and, debounced, when the frame is resized
// (window resize, phone rotation, on-screen keyboard), only when it changed.

/** Integer CSS pixels within the protocol's bounds (100…10000), or null for a frame not laid out. */
export function viewportSize(width: number, height: number): { w: number; h: number } | null {
  if (!Number.isFinite(width) || !Number.isFinite(height)) return null;
  const w = Math.round(width);
  const h = Math.round(height);
  if (w <= 0 || h <= 0) return null;
  const clamp = (n: number) => Math.min(10000, Math.max(100, n));
  return { w: clamp(w), h: clamp(h) };
}

export interface ViewportReporterOptions {
  el: HTMLElement;
  send: (size: { w: number; h: number }) => void;
  /** Whether reporting is allowed now (socket welcomed, sharing on, session not over). */
  allowed: () => boolean;
  debounceMs?: number;
}

export class ViewportReporter {
  #o: ViewportReporterOptions;
  #last: string | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(opts: ViewportReporterOptions) {
    this.#o = opts;
    const onResize = () => this.schedule();
    if (typeof ResizeObserver === 'function') new ResizeObserver(onResize).observe(opts.el);
    window.addEventListener('resize', onResize, { passive: true });
  }

  /** Report soon (debounced), if the size changed. */
  schedule(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.report(false);
    }, this.#o.debounceMs ?? 200);
  }

  /** Report now; `force` re-sends an unchanged size (a new socket: the gateway may have restarted). */
  report(force: boolean): void {
    if (!this.#o.allowed()) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const size = viewportSize(this.#o.el.clientWidth, this.#o.el.clientHeight);
    if (!size) return;
    const key = `${size.w}x${size.h}`;
    if (!force && key === this.#last) return;
    this.#last = key;
    this.#o.send(size);
  }
}

// A dependency-free progress bar on stderr. On a terminal it redraws one line; elsewhere (CI logs)
// it prints a line when a step starts and when it ends, so logs stay readable.
export class Progress {
  #tty: boolean;
  #label = '';
  #total = 1;
  #done = 0;
  #detail = '';
  #t0 = Date.now();
  #stepT0 = Date.now();
  #last = 0;
  #step = 0;
  #steps: number;

  constructor(steps: number, private readonly out: NodeJS.WriteStream = process.stderr) {
    this.#tty = !!out.isTTY && !process.env.CI;
    this.#steps = steps;
  }

  /** Starts the next step: `total` units of work (seconds, visitors, runs…). */
  start(label: string, total = 1): void {
    this.#step++;
    this.#label = label;
    this.#total = Math.max(total, 1e-9);
    this.#done = 0;
    this.#detail = '';
    this.#stepT0 = Date.now();
    if (this.#tty) this.#draw(true);
    else this.out.write(`[${this.#step}/${this.#steps}] ${label}…\n`);
  }

  update(done: number, detail = ''): void {
    this.#done = Math.min(done, this.#total);
    this.#detail = detail;
    if (this.#tty) this.#draw(false);
  }

  finish(summary = ''): void {
    const secs = ((Date.now() - this.#stepT0) / 1000).toFixed(1);
    if (this.#tty) this.out.write('\r\x1b[K');
    this.out.write(`[${this.#step}/${this.#steps}] ${this.#label} done in ${secs}s${summary ? `: ${summary}` : ''}\n`);
  }

  /** A step that ran elsewhere (a StepRecorder), printed as finished. */
  replay(step: RecordedStep): void {
    this.#step++;
    if (this.#tty) this.out.write('\r\x1b[K');
    this.out.write(`[${this.#step}/${this.#steps}] ${step.label} done in ${step.secs.toFixed(1)}s${step.summary ? `: ${step.summary}` : ''}\n`);
  }

  note(line: string): void {
    if (this.#tty) this.out.write('\r\x1b[K');
    this.out.write(`${line}\n`);
    if (this.#tty && this.#label) this.#draw(true);
  }

  #draw(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.#last < 100) return;
    this.#last = now;
    const width = 24;
    const frac = this.#done / this.#total;
    const fill = Math.round(frac * width);
    const bar = '█'.repeat(fill) + '░'.repeat(width - fill);
    const el = Math.round((now - this.#t0) / 1000);
    const clock = `${String(Math.floor(el / 60)).padStart(2, '0')}:${String(el % 60).padStart(2, '0')}`;
    const line = `[${this.#step}/${this.#steps}] ${bar} ${String(Math.round(frac * 100)).padStart(3)}% ${this.#label} ${this.#detail} (${clock})`;
    const cols = this.out.columns ?? 120;
    this.out.write(`\r\x1b[K${line.slice(0, cols - 1)}`);
  }
}

export interface RecordedStep {
  label: string;
  summary: string;
  secs: number;
}

/**
 * Records a scenario's steps while it runs beside the others (--quick), writing nothing, so the
 * harness prints them on the scenario's turn (Progress.replay).
 */
export class StepRecorder extends Progress {
  readonly steps: RecordedStep[] = [];
  #label = '';
  #t0 = Date.now();
  constructor() {
    super(1, { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream);
  }
  override start(label: string): void {
    this.#label = label;
    this.#t0 = Date.now();
  }
  override update(): void {}
  override finish(summary = ''): void {
    this.steps.push({ label: this.#label, summary, secs: (Date.now() - this.#t0) / 1000 });
  }
  override note(): void {}
}

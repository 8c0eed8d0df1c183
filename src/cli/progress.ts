import type { WriteStream } from 'node:tty';

/**
 * A one-line progress bar on a terminal's stderr. Draws at most ten times a second and only
 * when the stream is a TTY, so pipes and CI logs stay clean.
 */
export class ProgressBar {
  private done = 0;
  private total = 0;
  private lastDraw = 0;
  private readonly started = Date.now();

  constructor(
    private readonly stream: NodeJS.WriteStream | WriteStream,
    private readonly label: string,
  ) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  setTotal(total: number): void {
    this.total = total;
    this.draw(false);
  }

  set(done: number): void {
    this.done = done;
    this.draw(false);
  }

  tick(n = 1): void {
    this.done += n;
    this.draw(false);
  }

  finish(): void {
    this.draw(true);
    if (this.enabled) this.stream.write('\n');
  }

  private draw(force: boolean): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 30;
    const ratio = this.total > 0 ? Math.min(1, this.done / this.total) : 0;
    const filled = Math.round(ratio * width);
    const rate = this.done / Math.max(0.001, (now - this.started) / 1000);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    this.stream.write(
      `\r${this.label} [${bar}] ${this.done}/${this.total || '?'} ${rate.toFixed(0)}/s`,
    );
  }
}

/**
 * The initial sync's progress bar: objects done of the total, rate, time left. On a terminal it
 * redraws one line; elsewhere (CI logs) it prints a line every few seconds.
 */
const WIDTH = 30;

export class ProgressBar {
  readonly #total: number;
  readonly #started = Date.now();
  readonly #tty = process.stdout.isTTY === true;
  #lastLine = 0;

  constructor(total: number) {
    this.#total = Math.max(total, 1);
  }

  line(done: number): string {
    const fraction = Math.min(done / this.#total, 1);
    const seconds = (Date.now() - this.#started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const left = rate > 0 ? Math.max(this.#total - done, 0) / rate : undefined;
    const filled = Math.round(fraction * WIDTH);
    return `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${this.#total} objects ` +
      `${(fraction * 100).toFixed(0)}%  ${rate.toFixed(0)}/s  ${seconds.toFixed(1)} s` +
      (fraction < 1 ? `, ${left === undefined ? '?' : left.toFixed(0)} s left` : '');
  }

  update(done: number): void {
    if (this.#tty) {
      process.stdout.write(`\r${this.line(done)}\x1b[K`);
    } else if (Date.now() - this.#lastLine >= 2000) {
      this.#lastLine = Date.now();
      process.stdout.write(`${this.line(done)}\n`);
    }
  }

  finish(done: number): void {
    process.stdout.write(`${this.#tty ? '\r' : ''}${this.line(done)}${this.#tty ? '\x1b[K' : ''}\n`);
  }
}

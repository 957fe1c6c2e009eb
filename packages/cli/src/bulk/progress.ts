import type { Output } from '../output.js';

export interface ProgressCounts {
  done: number;
  /** The rows, when known in advance. */
  total: number | undefined;
  succeeded: number;
  skipped: number;
  failed: number;
}

/**
 * Progress on stderr: a bar redrawn in place on a terminal, otherwise a plain
 * line at most once a second (and at the end). Messages printed through
 * `log` appear above the bar.
 */
export class Progress {
  readonly #output: Output;
  readonly #tty: boolean;
  readonly #words: { succeeded: string; skipped: string; noun?: string };
  #counts: ProgressCounts = { done: 0, total: undefined, succeeded: 0, skipped: 0, failed: 0 };
  #lastDraw = 0;
  #drawn = false;
  #lastLine = '';
  readonly #started = Date.now();

  constructor(output: Output, words: { succeeded: string; skipped: string; noun?: string }) {
    this.#output = output;
    this.#tty = output.io.stderrIsTTY && output.io.env['TERM'] !== 'dumb';
    this.#words = words;
  }

  update(counts: ProgressCounts): void {
    this.#counts = { ...counts };
    const now = Date.now();
    if (now - this.#lastDraw < (this.#tty ? 100 : 1000)) return;
    this.#lastDraw = now;
    this.#draw();
  }

  /** A line above the bar (a failed row, say). */
  log(line: string): void {
    this.#clear();
    this.#output.err(line);
    if (this.#tty && this.#drawn) this.#draw();
  }

  /** The final state; leaves the bar (or a last line) on screen. */
  finish(): void {
    this.#draw();
    if (this.#tty) this.#output.io.stderr.write('\n');
    this.#drawn = false;
  }

  #draw(): void {
    const { done, total, succeeded, skipped, failed } = this.#counts;
    const style = this.#output.errStyle;
    const tally = `${style.green(`${succeeded} ${this.#words.succeeded}`)}, ${skipped} ${this.#words.skipped}, ${failed > 0 ? style.red(`${failed} failed`) : '0 failed'}`;
    const seconds = ((Date.now() - this.#started) / 1000).toFixed(1);
    const noun = this.#words.noun ?? 'rows';
    const counted = `${done}${total === undefined ? '' : `/${total}`} ${done === 1 && total === undefined ? noun.replace(/s$/, '') : noun}`;
    if (!this.#tty) {
      const line = `progress: ${counted} (${tally})`;
      // The final call repeats the last line only when something happened since.
      if (line !== this.#lastLine) this.#output.err(`${line} ${seconds} s`);
      this.#lastLine = line;
      return;
    }
    const width = 30;
    let bar: string;
    if (total !== undefined && total > 0) {
      const filled = Math.min(width, Math.round((done / total) * width));
      bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${counted}`;
    } else {
      bar = counted;
    }
    this.#output.io.stderr.write(`\r\u001b[2K${bar}  ${tally}  ${seconds} s`);
    this.#drawn = true;
  }

  #clear(): void {
    if (this.#tty && this.#drawn) this.#output.io.stderr.write('\r\u001b[2K');
  }
}

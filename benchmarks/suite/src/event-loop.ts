import { performance } from 'node:perf_hooks';
import { quantile } from './stats.js';

/**
 * Measures event-loop blocking directly: a 1 ms timer chain records how late
 * each tick fires. Work that holds the loop (a PBKDF2 on the main thread)
 * shows up as lateness of about its own duration. (monitorEventLoopDelay is
 * not used: after disable()/enable() its first sample spans the pause.)
 */
export class LatenessProbe {
  readonly #late: number[] = [];
  #running = false;
  #last = 0;
  #timer: NodeJS.Timeout | undefined;

  start(): void {
    this.#running = true;
    this.#last = performance.now();
    this.#timer = setTimeout(this.#tick, 1);
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
  }

  #tick = (): void => {
    const now = performance.now();
    this.#late.push(Math.max(0, now - this.#last - 1));
    this.#last = now;
    if (this.#running) this.#timer = setTimeout(this.#tick, 1);
  };

  summary(): { p50: number; p99: number; max: number; samples: number } {
    const sorted = [...this.#late].sort((a, b) => a - b);
    return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? Number.NaN, samples: sorted.length };
  }
}

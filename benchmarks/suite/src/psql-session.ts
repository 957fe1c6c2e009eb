/**
 * Baseline 2: psql, fed the create statements with the PLAINTEXT password, as a
 * DBA would (no client-side PBKDF2). One long-lived psql process reads tenants
 * from stdin; each tenant's statements are joined with `\;` so psql sends them
 * as one query (one round trip, one implicit transaction), like the minimal
 * client. The latency of a tenant is psql's own `\timing` of that query (the
 * wall clock around PQexec, inside psql), so pipe and scheduling overhead
 * between this process and psql is not charged to psql.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { libpqEnv } from './pg-env.js';

export class PsqlSession {
  readonly #child: ChildProcessWithoutNullStreams;
  #waiting: { marker: string; resolve: (ms: number) => void; reject: (error: Error) => void } | undefined;
  #lastTime: number | undefined;
  #stderr = '';
  #counter = 0;

  constructor(url: string, options: { host?: string; port?: number; wrap?: string[] } = {}) {
    const command = [...(options.wrap ?? []), 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1'];
    this.#child = spawn(command[0]!, command.slice(1), { env: libpqEnv(url, options), stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.#child.stdout }).on('line', (line) => this.#onLine(line));
    this.#child.stderr.on('data', (data: Buffer) => (this.#stderr += data.toString()));
    this.#child.on('exit', (code) => this.#waiting?.reject(new Error(`psql exited (${code}): ${this.#stderr.trim()}`)));
    this.#child.stdin.write('\\timing on\n\\o /dev/null\n');
  }

  /** Runs the statements as one query; resolves with psql's `\timing` of it, in ms. */
  run(statements: readonly string[]): Promise<number> {
    const marker = `__tenantry_bench_${++this.#counter}`;
    return new Promise<number>((resolve, reject) => {
      this.#waiting = { marker, resolve, reject };
      this.#lastTime = undefined;
      this.#child.stdin.write(`${statements.join(' \\; ')};\n\\echo ${marker}\n`);
    });
  }

  #onLine(line: string): void {
    const time = /^Time: ([\d.]+) ms/.exec(line);
    if (time) {
      this.#lastTime = Number(time[1]);
      return;
    }
    const waiting = this.#waiting;
    if (waiting && line === waiting.marker) {
      this.#waiting = undefined;
      if (this.#lastTime === undefined) waiting.reject(new Error(`psql printed no timing: ${this.#stderr.trim()}`));
      else waiting.resolve(this.#lastTime);
    }
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.stdin.end('\\q\n');
    await exited;
  }
}

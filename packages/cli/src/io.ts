import type { Readable, Writable } from 'node:stream';

/**
 * Everything the CLI touches in its environment, so that `main` can run in a
 * test (in-process, with strings for streams) as well as in `bin`.
 */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** The environment: `DATABASE_URL`, the libpq `PG*` variables, `NO_COLOR`, `TERM`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdinIsTTY: boolean;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  /** Relative paths (`--from`, `--migrations`, ...) resolve against this. Default `process.cwd()`. */
  readonly cwd?: string | undefined;
  /**
   * Aborted on an interrupt (Ctrl-C). Bulk operations then start nothing new,
   * let what is in flight finish (and write its credentials), and exit 130.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Called by work that must not be cut short (a bulk run writing credentials
   * as tenants are created): until the returned function is called, the first
   * interrupt aborts `signal` instead of ending the process. Absent in tests.
   */
  readonly deferInterrupts?: (() => () => void) | undefined;
}

/** The process's own streams and environment: what `bin` passes to `main`. */
export function processIo(signal?: AbortSignal): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    stdinIsTTY: process.stdin.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    cwd: process.cwd(),
    signal,
  };
}

import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

/**
 * An append-only log file for everything a database server prints, so test
 * output stays clean and a failed start can report what the server said.
 */
export interface ServerLog {
  /** Absolute path of the log file. */
  readonly path: string;
  /** Appends `message` verbatim (an Error as its stack, plus a newline); a no-op once closed. */
  write(message: unknown): void;
  /** The last `lines` lines written so far (for error messages). */
  tail(lines?: number): string;
  /** Closes the file; later writes are dropped. Idempotent. */
  close(): void;
}

/**
 * Creates the log file at `path` (mode 0600: the log can hold statements and
 * role names; it must not already exist) and returns a {@link ServerLog}.
 */
export function openServerLog(path: string): ServerLog {
  // 'wx' refuses to follow or reuse an existing file in a shared tmp dir.
  let fd: number | undefined = openSync(path, 'wx', 0o600);
  return {
    path,
    write(message) {
      if (fd === undefined) return;
      // Server output arrives in arbitrary chunks: keep it as is.
      const text = message instanceof Error ? `${message.stack ?? message.message}\n` : String(message);
      // Synchronous on purpose: the tail must be complete when a start fails.
      writeSync(fd, text);
    },
    tail(lines = 40) {
      try {
        return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '(server log unavailable)';
      }
    },
    close() {
      if (fd === undefined) return;
      closeSync(fd);
      fd = undefined;
    },
  };
}

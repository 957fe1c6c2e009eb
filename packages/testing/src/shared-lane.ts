/*
 * What the vitest global setups of the lanes share: vitest loads a setup
 * module once per project, and the projects of one run share one server (or
 * cluster), started by the first, stopped when the last gives it back.
 */

interface Shared<T> {
  users: number;
  readonly ready: Promise<T>;
}

/**
 * The run's `T` under `key`, started by `start` for the first user, and the
 * function that gives it back: the last one back runs `stop`. A failed start
 * is not kept: the next project may try again.
 */
export async function acquireShared<T>(key: string, start: () => Promise<T>, stop: (value: T) => Promise<void>): Promise<{ value: T; release: () => Promise<void> }> {
  const symbol = Symbol.for(key);
  const holder = globalThis as { [key: symbol]: Shared<T> | undefined };
  let shared = holder[symbol];
  if (shared === undefined) {
    const created: Shared<T> = { users: 0, ready: start() };
    shared = created;
    holder[symbol] = created;
    created.ready.catch(() => {
      if (holder[symbol] === created) delete holder[symbol];
    });
  }
  const acquired = shared;
  acquired.users++;
  let value: T;
  try {
    value = await acquired.ready;
  } catch (error) {
    acquired.users--;
    throw error;
  }
  let released = false;
  return {
    value,
    release: async () => {
      if (released) return;
      released = true;
      if (--acquired.users > 0) return;
      if (holder[symbol] === acquired) delete holder[symbol];
      await stop(value);
    },
  };
}

/** Whether a lane that cannot run fails the run: `envName` (`1` or `0`), else `CI=true`. */
export function laneRequired(envName: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[envName]?.trim();
  if (value === '1') return true;
  if (value === '0') return false;
  return env['CI'] === 'true';
}

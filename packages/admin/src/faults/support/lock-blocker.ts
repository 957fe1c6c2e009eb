import pg from 'pg';
import type { TenantRef } from '@tenantry/core';
import { advisoryLockKey } from '@tenantry/sql/postgres';

/**
 * A lock a blocker session takes so that one statement of a plan, and no
 * earlier one, has to wait for it. SHARE on a catalog conflicts with the
 * ROW EXCLUSIVE lock a writer of that catalog takes, and with nothing a reader
 * or a new login takes.
 */
export type BlockingLock =
  | { readonly kind: 'advisory'; readonly key: bigint }
  | { readonly kind: 'catalog'; readonly catalog: string; readonly mode: 'SHARE' | 'ACCESS EXCLUSIVE' };

/**
 * The advisory lock key a tenant plan takes first (it takes both keys in
 * ascending order): a blocker holding it stops the plan before it holds either.
 */
export function firstAdvisoryLockKey(tenant: TenantRef): bigint {
  const keys = [advisoryLockKey('schema', tenant.schemaName), advisoryLockKey('role', tenant.username)];
  return keys[0]! < keys[1]! ? keys[0]! : keys[1]!;
}

/** How a lock shows up in pg_locks for the session waiting on it: `advisory` or the catalog's name. */
export function lockLabel(lock: BlockingLock): string {
  return lock.kind === 'advisory' ? 'advisory' : lock.catalog;
}

/** A superuser session of its own that holds one {@link BlockingLock} until released. */
export class LockBlocker {
  readonly #client: pg.Client;
  readonly pid: number;
  #held: BlockingLock | undefined;

  private constructor(client: pg.Client, pid: number) {
    this.#client = client;
    this.pid = pid;
  }

  static async open(superuserUrl: string): Promise<LockBlocker> {
    const client = new pg.Client({ connectionString: superuserUrl, application_name: 'tenantry_fault_blocker' });
    await client.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return new LockBlocker(client, rows[0]!.pid);
  }

  async hold(lock: BlockingLock): Promise<void> {
    if (this.#held) throw new Error('LockBlocker already holds a lock');
    if (lock.kind === 'advisory') {
      await this.#client.query('SELECT pg_advisory_lock($1::bigint)', [lock.key.toString()]);
    } else {
      await this.#client.query(`BEGIN; LOCK TABLE pg_catalog.${pg.escapeIdentifier(lock.catalog)} IN ${lock.mode} MODE`);
    }
    this.#held = lock;
  }

  async release(): Promise<void> {
    const held = this.#held;
    this.#held = undefined;
    if (held?.kind === 'advisory') await this.#client.query('SELECT pg_advisory_unlock($1::bigint)', [held.key.toString()]);
    else if (held) await this.#client.query('ROLLBACK');
  }

  async close(): Promise<void> {
    await this.release().catch(() => undefined);
    await this.#client.end();
  }
}

/**
 * Polls until `count` backends with this application_name wait for a lock the
 * blocker holds, and returns their pids.
 */
export async function waitUntilBlocked(
  observer: pg.Client,
  options: { applicationName: string; blockerPid: number; count?: number; timeoutMs?: number },
): Promise<number[]> {
  const count = options.count ?? 1;
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const { rows } = await observer.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND $2 = ANY (pg_blocking_pids(pid))`,
      [options.applicationName, options.blockerPid],
    );
    if (rows.length >= count) return rows.map((row) => row.pid);
    if (Date.now() > deadline) {
      const { rows: activity } = await observer.query(
        `SELECT pid, state, wait_event_type, wait_event, left(query, 80) AS query FROM pg_stat_activity WHERE application_name = $1`,
        [options.applicationName],
      );
      throw new Error(
        `expected ${count} backend(s) named ${options.applicationName} to wait for the blocker (pid ${options.blockerPid}); ` +
          `they are: ${JSON.stringify(activity)}`,
      );
    }
    await sleep(5);
  }
}

/** What a waiting backend waits for and what it already holds. */
export interface LockWait {
  /** `advisory`, or the name of the catalog whose lock it waits for. */
  waitingFor: string[];
  /** Advisory locks it holds: 2 once the plan's lock statement is through. */
  advisoryLocksHeld: number;
  /** Catalogs it holds ROW EXCLUSIVE on until commit (some writers release theirs after each statement). */
  rowExclusiveHeld: string[];
}

export async function lockWaitOf(observer: pg.Client, pid: number): Promise<LockWait> {
  const { rows } = await observer.query<{ locktype: string; relation: string | null; mode: string; granted: boolean }>(
    `SELECT locktype, CASE WHEN locktype = 'relation' THEN relation::regclass::text END AS relation, mode, granted
       FROM pg_locks WHERE pid = $1`,
    [pid],
  );
  return {
    waitingFor: rows.filter((row) => !row.granted).map((row) => (row.locktype === 'advisory' ? 'advisory' : (row.relation ?? row.locktype))),
    advisoryLocksHeld: rows.filter((row) => row.granted && row.locktype === 'advisory').length,
    rowExclusiveHeld: rows
      .filter((row) => row.granted && row.mode === 'RowExclusiveLock' && row.relation?.startsWith('pg_'))
      .map((row) => row.relation!)
      .sort(),
  };
}

/** Terminates a backend (as an operator or a dying network would) and waits until it is gone. */
export async function terminateBackend(observer: pg.Client, pid: number): Promise<void> {
  // The timeout form (PostgreSQL 14+) returns only once the backend has exited.
  const { rows } = await observer.query<{ done: boolean }>('SELECT pg_terminate_backend($1, 10000) AS done', [pid]);
  if (!rows[0]?.done) throw new Error(`backend ${pid} did not exit after pg_terminate_backend`);
}

/** The URL with an application_name, by which the test finds the backend in pg_stat_activity. */
export function withApplicationName(url: string, applicationName: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', applicationName);
  return parsed.toString();
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Never rejects: the test inspects the outcome when it is ready to. */
export function settle<T>(promise: Promise<T>): Promise<Outcome<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Name, code and message of an error, for assertion messages. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, sqlState } = error as { code?: unknown; sqlState?: unknown };
  return `${error.constructor.name} (name ${error.name}, code ${String(code)}, sqlState ${String(sqlState)}): ${error.message}`;
}

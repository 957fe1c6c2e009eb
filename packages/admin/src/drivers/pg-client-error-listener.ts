import type pg from 'pg';

/*
 * A `pg` client whose connection dies emits 'error'; with no listener Node
 * throws it and the process ends. pg-pool listens only while a client is idle:
 * it takes its listener off when it hands a client over, before the caller
 * can add one. A backend ended the instant it became ready (pg_terminate_backend
 * right after login, a fast shutdown) sends its FATAL in the same read as the
 * login's ReadyForQuery, so pg emits 'error' inside that gap. The pool's
 * 'connect' event comes before the pool takes its listener off: a listener
 * added there covers a new client for good.
 */

/** The error that ended each client's connection, as its 'error' event told it. */
const lostConnections = new WeakMap<object, Error>();

function recordLostConnection(this: object, error: Error): void {
  if (!lostConnections.has(this)) lostConnections.set(this, error);
}

/** Gives a client Tenantry's 'error' listener (once): it records the error; the next query reports it. */
export function listenToClient(client: pg.ClientBase): void {
  if (!client.listeners('error').includes(recordLostConnection)) client.on('error', recordLostConnection);
}

/** The error that ended this client's connection, if it has ended. */
export function lostConnectionOf(client: pg.ClientBase): Error | undefined {
  return lostConnections.get(client);
}

function ignorePoolError(): void {
  // A dead idle client: pg-pool has already removed it; the next checkout gets a new one.
}

/**
 * Puts Tenantry's listeners on a pool: on every client from its 'connect'
 * event on, and on the pool itself (a dead idle client, or one that dies while
 * pg-pool's `onConnect` hook runs, is reported there). Listeners the pool
 * already has stay. Returns the function that takes Tenantry's pool listeners
 * off again (clients keep theirs: they only record).
 */
export function listenToPoolClients(pool: pg.Pool): () => void {
  // A pool-like object that is no EventEmitter: its clients get the listener at checkout only.
  if (typeof pool.on !== 'function' || typeof pool.off !== 'function') return () => undefined;
  pool.on('connect', listenToClient);
  pool.on('error', ignorePoolError);
  return () => {
    pool.off('connect', listenToClient);
    pool.off('error', ignorePoolError);
  };
}

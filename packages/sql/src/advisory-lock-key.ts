import { createHash } from 'node:crypto';

/**
 * The 64-bit key of the transaction-level advisory lock that serialises work
 * on one schema or role name. Computed on the client so that a plan can take
 * its locks in ascending key order: two plans that share a name then queue
 * instead of deadlocking.
 */
export function advisoryLockKey(kind: 'schema' | 'role', name: string): bigint {
  const digest = createHash('sha256').update(`tenantry:${kind}:${name}`).digest();
  return digest.readBigInt64BE(0);
}

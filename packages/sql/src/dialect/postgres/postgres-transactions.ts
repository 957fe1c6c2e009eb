import { Statement } from '../../statement.js';
import type { TransactionalSessions } from '../dialect.js';
import { pinSearchPathStatement } from './postgres-tenant-statements.js';

/**
 * How the admin's transactions start: names resolve in pg_catalog only (a
 * schema named like the admin role would otherwise be on its search_path),
 * literals are standard (for migrations' SQL that runs later in the
 * transaction; the plans' own literals do not depend on it), and a lock wait
 * ends after the admin's lock timeout.
 */
export const postgresTransactions: TransactionalSessions = Object.freeze({
  transactionSettings: (options: { lockTimeoutMillis: number }): Statement[] => [
    pinSearchPathStatement(),
    new Statement('read string literals the standard way', 'SET LOCAL standard_conforming_strings = on'),
    // Plain text, not compiled: every plan the admin runs starts with it.
    new Statement('wait for a lock no longer than the admin allows', `SET LOCAL lock_timeout = ${lockTimeout(options.lockTimeoutMillis)}`),
  ],
  begin: (options: { readOnly: boolean }): Statement => new Statement('begin the transaction', options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN'),
  commit: (): Statement => new Statement('commit the transaction', 'COMMIT'),
  newRoleUsableBeforeCommit: true,
  rollback: (): Statement => new Statement('roll the transaction back', 'ROLLBACK'),
});

function lockTimeout(millis: number): number {
  if (!Number.isInteger(millis) || millis < 0) throw new RangeError('lockTimeoutMillis must be a non-negative integer');
  return millis;
}

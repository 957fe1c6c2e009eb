import { ClusterNodeError, type TenantryError } from '@tenantry/core';
import type { ErrorContext } from '../dialect.js';
import { mapPostgresError } from '../postgres/postgres-error-mapping.js';

// Citus's words for a worker it could not reach or that failed: "connection to the remote node user@host:port failed ...".
const REMOTE_NODE = /connection to the remote node (?:[^@\s]+@)?(\S+?):(\d+) failed/;

/**
 * PostgreSQL's mapping, except that an error a worker raised, or a worker
 * Citus could not reach, is a `ClusterNodeError` naming that node: the
 * admin's own connection is fine.
 */
export function mapCitusError(error: unknown, context: ErrorContext): TenantryError {
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  const remote = typeof message === 'string' ? REMOTE_NODE.exec(message) : null;
  if (remote === null) return mapPostgresError(error, context);
  const node = `${remote[1]}:${remote[2]}`;
  const sqlState = (error as { code?: unknown }).code;
  return new ClusterNodeError({
    node,
    sqlState: typeof sqlState === 'string' ? sqlState : undefined,
    cause: error,
    message: `Could not ${context.action}: Citus worker ${node} could not be reached or refused the step (${String(message)}). Check that the worker is up and trusts the coordinator's certificate (see the README's Citus section). Nothing was changed.`,
  });
}

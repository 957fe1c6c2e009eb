import {
  ConnectionError,
  DatabaseError,
  DatabaseNotPreparedError,
  PermissionError,
  TenantAlreadyExistsError,
  TenantryError,
} from '@tenantry/core';
import { NOT_PREPARED_SQLSTATE } from '@tenantry/sql';

/** What the error is about, so the mapped error can name the object and the fix. */
export interface ErrorContext {
  action: string;
  database?: string | undefined;
  schemaName?: string;
  username?: string;
  adminRole?: string | undefined;
}

interface PgErrorShape {
  code?: string;
  message?: string;
  constraint?: string;
}

// Network errors from Node's socket layer, before PostgreSQL says anything.
const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/**
 * Turns an error from `pg` into a typed Tenantry error. Matches on SQLSTATE
 * (`err.code`), never on `err.name`. Messages are PostgreSQL's own plus the
 * fix; none of them carries a password or a connection string.
 */
export function mapDatabaseError(error: unknown, context: ErrorContext): TenantryError {
  if (TenantryError.isInstance(error)) return error;
  const pgError = (typeof error === 'object' && error !== null ? error : {}) as PgErrorShape;
  const code = pgError.code ?? '';
  const serverMessage = pgError.message ?? String(error);

  if (code === '42P06' || (code === '23505' && pgError.constraint === 'pg_namespace_nspname_index')) {
    return new TenantAlreadyExistsError({ objectKind: 'schema', objectName: context.schemaName ?? '?', sqlState: code, cause: error });
  }
  if (code === '42710' || (code === '23505' && pgError.constraint === 'pg_authid_rolname_index')) {
    return new TenantAlreadyExistsError({ objectKind: 'role', objectName: context.username ?? '?', sqlState: code, cause: error });
  }
  if (code === NOT_PREPARED_SQLSTATE) {
    return new DatabaseNotPreparedError({ database: context.database ?? '?', sqlState: code, cause: error });
  }
  if (code === '42501') {
    return new PermissionError({
      privilege: 'see message',
      sqlState: code,
      cause: error,
      message: `Could not ${context.action}: ${serverMessage}. The admin role${context.adminRole ? ` "${context.adminRole}"` : ''} needs CREATEROLE and CREATE on the database.`,
    });
  }
  if (NETWORK_ERROR_CODES.has(code) || code.startsWith('08') || code.startsWith('28') || code === '3D000' || code.startsWith('57P') || isConnectionTimeout(serverMessage)) {
    return new ConnectionError({
      sqlState: /^[0-9A-Z]{5}$/.test(code) ? code : undefined,
      cause: error,
      message: `Could not ${context.action}: ${connectionHint(code, serverMessage)}`,
    });
  }
  return new DatabaseError({ sqlState: code || undefined, cause: error, message: `Could not ${context.action}: ${serverMessage}` });
}

function isConnectionTimeout(message: string): boolean {
  return /timeout exceeded when trying to connect|Connection terminated/i.test(message);
}

function connectionHint(code: string, message: string): string {
  if (code === '28P01' || code === '28000') return `${message} (check the user and password of the admin connection).`;
  if (code === '3D000') return `${message} (check the database name in the admin connection).`;
  if (code === 'ECONNREFUSED') return `${message} (is PostgreSQL running and listening there?).`;
  return message;
}

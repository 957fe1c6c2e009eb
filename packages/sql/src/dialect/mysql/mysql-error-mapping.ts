import { ConnectionError, DatabaseError, PermissionError, redactConnectionString, TenantAlreadyExistsError, TenantBusyError, TenantryError } from '@tenantry/core';
import type { ErrorContext } from '../dialect.js';

/** The fields of a mysql2 error that the mapping reads. */
interface MysqlDriverError {
  errno?: number;
  sqlState?: string;
  code?: string;
  fatal?: boolean;
  message?: string;
  sql?: string;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR']);

function isDriverError(error: unknown): error is MysqlDriverError & Error {
  return typeof error === 'object' && error !== null && ('errno' in error || 'sqlState' in error || ('code' in error && typeof (error as { code: unknown }).code === 'string'));
}

/** Hashes (`*` + 40 hex, `$A$005$...`, hex literals) and quoted text after "near" never reach a message. */
export function scrubMysqlMessage(message: string): string {
  return message
    .replace(/near '[\s\S]*$/u, 'near <statement text withheld>')
    .replace(/\*[0-9A-Fa-f]{40}/g, '<redacted>')
    .replace(/\$A\$[0-9A-F]{3}\$[\s\S]{0,80}/g, '<redacted>')
    .replace(/0x[0-9A-Fa-f]{16,}/g, '<redacted>');
}

/** The privilege a denial names: `CREATE USER`, `SELECT on mysql.global_priv`, ... */
function deniedPrivilege(errno: number, message: string, context: ErrorContext): string {
  const global = /you need \(at least one of\) the (.+?) privilege/i.exec(message);
  if (global?.[1]) return global[1];
  const table = /^(\w[\w ]*?) command denied to user .* for table [`']?([^`'\s]+)[`']?/i.exec(message);
  if (table?.[1] && table[2]) return `${table[1].toUpperCase()} on ${table[2]}`;
  if (errno === 1044) {
    const database = /to database '([^']*)'/i.exec(message)?.[1] ?? context.schemaName ?? 'the database';
    return `ALL PRIVILEGES WITH GRANT OPTION on database \`${database}\` (a pattern such as \`tenant\\_%\`.* covers every tenant)`;
  }
  return 'the privilege the statement needs';
}

/**
 * Maps a mysql2 error (or anything thrown while running a MySQL plan) to a
 * typed Tenantry error, without secrets: `sql` (which mysql2 attaches to the
 * error and which may hold a password hash) is removed from the cause.
 *
 * - 1007 (database exists), 1396 during create, 1062 (registry duplicate) → TenantAlreadyExistsError
 * - 1044, 1142, 1227, 1370, 1095 → PermissionError naming the privilege
 * - 1205 (lock wait timeout), 3572/1213 → TenantBusyError
 * - SQLSTATE 28000, 4151, 1045 at login, network codes, 2006/2013, fatal errors → ConnectionError
 * - 1146/1049 on the registry → DatabaseError telling to run prepare
 */
export function mapMysqlError(error: unknown, context: ErrorContext): TenantryError {
  if (TenantryError.isInstance(error)) return error;
  if (!isDriverError(error)) {
    const cause = (error as { cause?: unknown } | null)?.cause;
    if (cause !== undefined && cause !== error) return mapMysqlError(cause, context);
    return new DatabaseError({ message: `Could not ${context.action}: ${error instanceof Error ? scrubMysqlMessage(error.message) : 'unknown error'}`, cause: error });
  }
  if ('sql' in error) delete error.sql;
  const errno = error.errno ?? 0;
  const sqlState = error.sqlState;
  const message = scrubMysqlMessage(error.message ?? '');
  const base = { sqlState, cause: error };
  if (errno === 1007 || errno === 1062 || (errno === 1396 && /create/i.test(context.action))) {
    const objectKind = errno === 1396 ? 'role' : 'schema';
    return new TenantAlreadyExistsError({ objectKind, objectName: (objectKind === 'role' ? context.username : context.schemaName) ?? '?', ...base });
  }
  if (errno === 1205 || errno === 1213) {
    return new TenantBusyError({ action: context.action, lockTimeoutMillis: context.lockTimeoutMillis ?? 0, ...base });
  }
  if (sqlState === '28000' || errno === 4151 || errno === 1045 || errno === 1698 || errno === 2006 || errno === 2013 || CONNECTION_CODES.has(error.code ?? '') || error.fatal === true) {
    return new ConnectionError({ message: `Could not ${context.action}: the connection to the server failed or was refused (${error.code ?? errno}). Check the URL's host, port, user and password, and that the server is up. ${message}`, ...base });
  }
  if (errno === 1044 || errno === 1142 || errno === 1227 || errno === 1370 || errno === 1095) {
    const privilege = errno === 1095 ? 'CONNECTION ADMIN' : deniedPrivilege(errno, message, context);
    return new PermissionError({ privilege, message: `Could not ${context.action}: the admin ${context.adminRole ?? ''} lacks ${privilege}. Grant it (see the README's least-privilege admin) and retry. Server said: ${message}`, ...base });
  }
  if (errno === 1146 || errno === 1049) {
    return new DatabaseError({ message: `Could not ${context.action}: Tenantry's registry is missing (${message}). Run \`await admin.prepare()\` (CLI: \`tenantry init\`) once.`, ...base });
  }
  return new DatabaseError({ message: `Could not ${context.action}: ${message}`, ...base });
}

/**
 * A `DatabaseError` whose message is `prefix` plus the error's. A server's
 * error (errno and SQLSTATE) is kept as cause, its message scrubbed; anything
 * else (an error a migration throws) might carry a secret, so its URLs are
 * redacted and it is not kept.
 */
export function mysqlToDatabaseError(prefix: string, error: unknown): DatabaseError {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as MysqlDriverError;
  const fromServer = typeof fields.errno === 'number' && typeof fields.sqlState === 'string';
  const message = typeof fields.message === 'string' ? fields.message : String(error);
  if (fromServer && 'sql' in fields) delete fields.sql;
  return new DatabaseError({
    sqlState: fromServer ? fields.sqlState : undefined,
    cause: fromServer ? error : undefined,
    message: prefix + scrubMysqlMessage(message.replace(/(?:mysql|mariadb):\/\/\S*/gi, (url) => redactConnectionString(url))),
  });
}

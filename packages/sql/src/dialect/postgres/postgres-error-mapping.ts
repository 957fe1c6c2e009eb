import {
  ConnectionError,
  DatabaseError,
  DatabaseNotPreparedError,
  PermissionError,
  TenantAlreadyExistsError,
  TenantBusyError,
  TenantNotFoundError,
  TenantNotManagedError,
  TenantryError,
  ValidationError,
  redactConnectionString,
} from '@tenantry/core';
import type { ErrorContext } from '../dialect.js';
import {
  CREDENTIAL_MISMATCH_SQLSTATE,
  NOT_PREPARED_SQLSTATE,
  PRIVILEGED_SETTING_SQLSTATE,
  SCHEMA_SHADOWS_ROLE_SQLSTATE,
  TENANT_MISSING_SQLSTATE,
  TENANT_SUSPENDED_SQLSTATE,
  TENANT_UNMANAGED_SQLSTATE,
  UNSAFE_ROLE_GRANT_SQLSTATE,
} from './postgres-plan-specs.js';

interface PgErrorShape {
  code?: string;
  message?: string;
  detail?: string;
  constraint?: string;
}

// Network errors from Node's socket layer, before PostgreSQL says anything.
const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/**
 * Turns an error from `pg` into a typed Tenantry error. Matches on SQLSTATE
 * (`err.code`), never on `err.name`. Messages are PostgreSQL's own plus the
 * fix; none of them carries a password or a connection string.
 */
export function mapPostgresError(error: unknown, context: ErrorContext): TenantryError {
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
  if (code === SCHEMA_SHADOWS_ROLE_SQLSTATE) {
    return new ValidationError({
      field: 'schemaName',
      rule: 'schema-named-like-role',
      message:
        `A role named "${context.schemaName}" exists: a schema of that name would be on that role's default search_path ("$user"), ` +
        "where the tenant could plant objects that role's sessions would use. Choose another schema name (the tenant's own username is fine).",
    });
  }
  if (code === UNSAFE_ROLE_GRANT_SQLSTATE || code === PRIVILEGED_SETTING_SQLSTATE) {
    // The plan's own check: the message names the role or setting and why; DETAIL names the option.
    const unsafeRole = code === UNSAFE_ROLE_GRANT_SQLSTATE;
    return new ValidationError({
      field: pgError.detail === 'grantTo' ? 'grantTo' : unsafeRole ? 'memberOf' : 'settings',
      rule: unsafeRole ? 'unsafe-role' : 'privileged-setting',
      message: `Could not ${context.action}: ${serverMessage} Nothing was created.`,
    });
  }
  if (code === TENANT_MISSING_SQLSTATE || code === TENANT_UNMANAGED_SQLSTATE) {
    // The plan's own check, made by the server: DETAIL names the object.
    const objectKind = pgError.detail === 'role' ? 'role' : 'schema';
    const objectName = (objectKind === 'role' ? context.username : context.schemaName) ?? '?';
    return code === TENANT_MISSING_SQLSTATE
      ? new TenantNotFoundError({ objectKind, objectName })
      : new TenantNotManagedError({ objectKind, objectName, reason: serverMessage });
  }
  if (code === TENANT_SUSPENDED_SQLSTATE) {
    return new ValidationError({
      field: 'tenant',
      rule: 'tenant-suspended',
      message: `Could not ${context.action}: tenant "${context.schemaName}" is suspended. Resume it first (resumeTenant). Nothing was changed.`,
    });
  }
  if (code === CREDENTIAL_MISMATCH_SQLSTATE) {
    const credential = context.credential ?? '?';
    return pgError.detail === 'unknown'
      ? new TenantNotFoundError({ objectKind: 'role', objectName: credential })
      : new TenantNotManagedError({ objectKind: 'role', objectName: credential, reason: `${serverMessage}` });
  }
  if (code === '55P03') {
    return new TenantBusyError({ action: context.action, lockTimeoutMillis: context.lockTimeoutMillis ?? 0, sqlState: code, cause: error });
  }
  if (code === '42501') {
    const privilege = missingPrivilege(serverMessage);
    return new PermissionError({
      privilege,
      sqlState: code,
      cause: error,
      message: `Could not ${context.action}: ${serverMessage}. The admin role${context.adminRole ? ` "${context.adminRole}"` : ''} lacks ${privilege}.`,
    });
  }
  if (NETWORK_ERROR_CODES.has(code) || code.startsWith('08') || code.startsWith('28') || code === '3D000' || code.startsWith('57P') || isLostConnection(serverMessage)) {
    return new ConnectionError({
      sqlState: /^[0-9A-Z]{5}$/.test(code) ? code : undefined,
      cause: error,
      message: `Could not ${context.action}: ${connectionHint(code, serverMessage)}`,
    });
  }
  return toDatabaseError(`Could not ${context.action}: `, error);
}

/**
 * A `DatabaseError` whose message is `prefix` plus the error's. Only the
 * server's own errors are kept whole: anything else (an error a migration
 * throws, say) might carry a secret in its message or fields, so its URLs are
 * redacted and it is not kept as cause.
 */
export function toDatabaseError(prefix: string, error: unknown): DatabaseError {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; severity?: unknown; message?: unknown };
  const { code, severity } = fields;
  const fromServer = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string';
  const message = typeof fields.message === 'string' ? fields.message : String(error);
  return new DatabaseError({
    sqlState: fromServer ? code : undefined,
    cause: fromServer ? error : undefined,
    message: prefix + (fromServer ? message : message.replace(/postgres(?:ql)?:\/\/\S*/gi, (url) => redactConnectionString(url))),
  });
}

/** Names the privilege behind PostgreSQL's "permission denied" / "must be owner" messages. */
function missingPrivilege(message: string): string {
  const patterns: [RegExp, (match: RegExpExecArray) => string][] = [
    [/permission denied to create role/, () => 'CREATEROLE'],
    [/permission denied to set parameter "?([^"]+)"?/, (m) => `SET on parameter "${m[1]}" (superuser, or GRANT SET ON PARAMETER on PostgreSQL 15+)`],
    [/permission denied to (alter|drop) role/, () => 'ADMIN OPTION on the tenant role (or CREATEROLE on PostgreSQL 15 and older)'],
    [/permission denied for database "?([^"]+)"?/, (m) => `CREATE on database "${m[1]}"`],
    [/must be owner of (schema|table|database|function) "?([^"]+)"?/, (m) => `ownership of ${m[1]} "${m[2]}"`],
    [/permission denied for schema "?([^"]+)"?/, (m) => `privileges on schema "${m[1]}"`],
    [/must be able to SET ROLE "?([^"]+)"?|must be member of role "?([^"]+)"?/, (m) => `membership in role "${m[1] ?? m[2]}"`],
    [/permission denied to drop objects/, () => 'the privileges of the tenant role (membership in it)'],
  ];
  for (const [pattern, describe] of patterns) {
    const match = pattern.exec(message);
    if (match) return describe(match);
  }
  return 'a privilege this step needs';
}

/**
 * pg's own errors for a connection that timed out or is gone; "is not
 * queryable" is what a query gets on a client whose connection died before
 * the query was sent (e.g. the server ended the backend right after login).
 */
function isLostConnection(message: string): boolean {
  return /timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error and is not queryable/i.test(message);
}

function connectionHint(code: string, message: string): string {
  if (code === '28P01' || code === '28000') return `${message} (check the user and password of the admin connection).`;
  if (code === '3D000') return `${message} (check the database name in the admin connection).`;
  if (code === 'ECONNREFUSED') return `${message} (is PostgreSQL running and listening there?).`;
  return message;
}

import { ValidationError } from './errors/validation-error.js';
import { CONTROL_CHARACTER, describeType, LONE_SURROGATE } from './text-rules.js';

/** PostgreSQL's NAMEDATALEN - 1: longer identifiers are silently truncated by the server. */
export const MAX_IDENTIFIER_BYTES = 63;

/**
 * Schemas PostgreSQL creates itself or that every role relies on, and `$user`,
 * which `search_path` reads as "the schema named like the current user" even
 * when quoted, so a schema of that name could never be the tenant's path.
 */
export const RESERVED_SCHEMA_NAMES: ReadonlySet<string> = new Set(['public', 'information_schema', '$user']);

/**
 * Role names PostgreSQL reserves or gives a meaning of their own in GRANT and
 * ALTER ROLE (`public`, `none`, `current_user`, ...), plus the bootstrap superuser.
 */
export const RESERVED_ROLE_NAMES: ReadonlySet<string> = new Set([
  'public',
  'none',
  'current_user',
  'current_role',
  'session_user',
  'user',
  'all',
  'postgres',
]);


type IdentifierKind = 'schema' | 'role';

/**
 * Checks a schema or role name against PostgreSQL's identifier rules.
 *
 * Case policy: names are case-sensitive and used exactly as given. Tenantry
 * quotes every identifier, so `Acme` creates the schema `Acme`, never `acme`,
 * and the credentials carry the name exactly as it stands in the catalog.
 * Reserved names and the `pg_` prefix are compared without regard to case, so
 * `PG_x` or `Public` are refused too: they are legal but invite confusion.
 *
 * @throws ValidationError naming the rule that was broken.
 */
export function validateIdentifier(value: unknown, kind: IdentifierKind, field: string): string {
  const reject = (rule: ValidationError['rule'], why: string): never => {
    throw new ValidationError({ field, rule, message: `Invalid ${kind} name for ${field}: ${why}.` });
  };
  if (typeof value !== 'string') return reject('type', `expected a string, got ${describeType(value)}`);
  if (value.length === 0) return reject('empty', 'it is empty');
  if (CONTROL_CHARACTER.test(value)) {
    return reject('control-character', 'it contains a control character (NUL, tab, newline, ...)');
  }
  if (LONE_SURROGATE.test(value)) {
    return reject('control-character', 'it contains an unpaired UTF-16 surrogate, which has no UTF-8 form');
  }
  if (value.trim() !== value) return reject('surrounding-whitespace', 'it starts or ends with white space');
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_IDENTIFIER_BYTES) {
    return reject(
      'too-long',
      `it is ${bytes} bytes in UTF-8; PostgreSQL allows at most ${MAX_IDENTIFIER_BYTES} and would silently truncate it`,
    );
  }
  const lower = value.toLowerCase();
  if (lower.startsWith('pg_')) return reject('reserved-prefix', 'names starting with "pg_" are reserved by PostgreSQL');
  const reserved = kind === 'schema' ? RESERVED_SCHEMA_NAMES : RESERVED_ROLE_NAMES;
  if (reserved.has(lower)) return reject('reserved-name', `"${value}" is a reserved ${kind} name`);
  return value;
}

/** Validates a tenant's schema name. */
export function validateSchemaName(value: unknown, field = 'schemaName'): string {
  return validateIdentifier(value, 'schema', field);
}

/** Validates a tenant's role (user) name. */
export function validateRoleName(value: unknown, field = 'username'): string {
  return validateIdentifier(value, 'role', field);
}


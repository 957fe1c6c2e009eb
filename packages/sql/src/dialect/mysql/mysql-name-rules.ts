import { ValidationError } from '@tenantry/core';
import type { NameRules } from '../tenant-spec.js';
import type { MysqlFlavor } from './mysql-dialect-config.js';
import { escapeGrantDatabase } from './mysql-identifiers.js';

// Same classes as core's text rules (not exported from core's root).
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/u;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A database name's limit in characters (`mysql.db.Db` and the file system's name). */
export const MAX_MYSQL_DATABASE_NAME = 64;

/** A user name's limit: MariaDB 10.11 measured 128 (129 → 1470); MySQL 8: 32 (paper). */
export const MAX_MYSQL_USERNAME: Readonly<Record<MysqlFlavor, number>> = Object.freeze({ mariadb: 128, mysql: 32 });

/** A host pattern's limit (256 → 1470 on MariaDB 10.11). */
export const MAX_MYSQL_HOST = 255;

/** Databases the server keeps for itself; compared without regard to case. */
export const RESERVED_MYSQL_DATABASES: ReadonlySet<string> = new Set(['mysql', 'information_schema', 'performance_schema', 'sys']);

/**
 * Accounts the server or its packages create, and words GRANT/SET reads as
 * something else (`PUBLIC` is a role on MariaDB 10.11, `CURRENT_USER` a
 * function); compared without regard to case.
 */
export const RESERVED_MYSQL_USERNAMES: ReadonlySet<string> = new Set([
  'root',
  'mysql',
  'mariadb.sys',
  'mysql.sys',
  'mysql.session',
  'mysql.infoschema',
  'public',
  'none',
  'current_user',
  'current_role',
  'debian-sys-maint',
]);

function text(value: unknown, field: string, label: string): string {
  if (typeof value !== 'string') {
    throw new ValidationError({ field, rule: 'type', message: `${field} must be a string naming the tenant's ${label}.` });
  }
  if (value === '') throw new ValidationError({ field, rule: 'empty', message: `${field} must not be empty.` });
  if (CONTROL_CHARACTER.test(value) || LONE_SURROGATE.test(value)) {
    throw new ValidationError({ field, rule: 'control-character', message: `${field} must not contain control characters or lone surrogates.` });
  }
  if (value.trim() !== value) {
    throw new ValidationError({ field, rule: 'surrounding-whitespace', message: `${field} must not start or end with whitespace (MySQL refuses a trailing space in a database name).` });
  }
  if (value.includes('\\')) {
    // A backslash means something else under NO_BACKSLASH_ESCAPES, and DDL
    // takes no hex literal instead (docs/dialects/mysql-facts.md §3).
    throw new ValidationError({ field, rule: 'type', message: `${field} must not contain a backslash: its meaning in MySQL string literals depends on sql_mode. Choose a name without one.` });
  }
  return value;
}

/** Counts characters (code points), as MySQL's limits do. */
function length(value: string): number {
  return [...value].length;
}

/**
 * The MySQL family's name rules.
 *
 * Case: database names must be lower case. With `lower_case_table_names=1`
 * (Windows, macOS) the server stores `Acme` as `acme` and treats both alike;
 * with `0` (Linux) they are two databases. A lower-case-only rule gives one
 * meaning on every server and keeps the registry's key equal to the server's
 * name. User names are case-sensitive everywhere and taken as given.
 */
export class MysqlNameRules implements NameRules {
  readonly #flavor: MysqlFlavor;
  readonly #registryDatabase: string;

  constructor(flavor: MysqlFlavor, registryDatabase: string) {
    this.#flavor = flavor;
    this.#registryDatabase = registryDatabase;
  }

  validateSchemaName(value: unknown, field = 'schemaName'): string {
    const name = text(value, field, 'database');
    if (length(name) > MAX_MYSQL_DATABASE_NAME) {
      throw new ValidationError({ field, rule: 'too-long', message: `${field} must be at most ${MAX_MYSQL_DATABASE_NAME} characters (got ${length(name)}).` });
    }
    if (length(escapeGrantDatabase(name)) > MAX_MYSQL_DATABASE_NAME) {
      throw new ValidationError({
        field,
        rule: 'too-long',
        message: `${field} must fit in ${MAX_MYSQL_DATABASE_NAME} characters once each _ and % is escaped for GRANT (got ${length(escapeGrantDatabase(name))}): use fewer underscores or a shorter name.`,
      });
    }
    if (name !== name.toLowerCase()) {
      throw new ValidationError({ field, rule: 'type', message: `${field} must be lower case: servers with lower_case_table_names=1 would store "${name.toLowerCase()}" instead.` });
    }
    if (RESERVED_MYSQL_DATABASES.has(name) || name === this.#registryDatabase.toLowerCase() || name.startsWith('#mysql50#')) {
      throw new ValidationError({ field, rule: 'reserved-name', message: `${field} "${name}" is a system database or Tenantry's registry; choose another name.` });
    }
    return name;
  }

  validateUsername(value: unknown, field = 'username'): string {
    const name = text(value, field, 'user');
    const max = MAX_MYSQL_USERNAME[this.#flavor];
    if (length(name) > max) {
      throw new ValidationError({ field, rule: 'too-long', message: `${field} must be at most ${max} characters on ${this.#flavor === 'mysql' ? 'MySQL 8' : 'MariaDB'} (got ${length(name)}).` });
    }
    if (RESERVED_MYSQL_USERNAMES.has(name.toLowerCase()) || name.toLowerCase().startsWith('mysql.') || name.toLowerCase().startsWith('mariadb.')) {
      throw new ValidationError({ field, rule: 'reserved-name', message: `${field} "${name}" is an account the server uses or a reserved word; choose another name.` });
    }
    return name;
  }

  /** The host pattern of tenant accounts (`%`, `10.0.0.%`, ...). */
  validateHost(value: unknown, field = 'tenantHost'): string {
    const host = text(value, field, 'host');
    if (length(host) > MAX_MYSQL_HOST) {
      throw new ValidationError({ field, rule: 'too-long', message: `${field} must be at most ${MAX_MYSQL_HOST} characters.` });
    }
    return host;
  }
}

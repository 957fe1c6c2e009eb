import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import type pg from 'pg';
import { redactConnectionString, validateConnectionUrl } from '@tenantry/core';
import { dialectNameForUrl } from '@tenantry/sql';
import type { CliIo } from './io.js';
import { asUsage, UsageError } from './usage-error.js';

/** Where the admin connects, and how to name that target without its password. */
export interface ResolvedConnection {
  /** A `pg` pool config: a `connectionString`, or host/port/user/database built from the libpq variables. */
  config: pg.PoolConfig;
  /** Set for a URL of a dialect that takes its URL as it is (mysql://, mariadb://): no pg pool is made. */
  adminUrl?: string;
  /** For mysql:// and mariadb://: the registry database from TENANTRY_MYSQL_REGISTRY (default `tenantry`). */
  mysql?: { registryDatabase?: string };
  /** The target for messages, never with a password: a redacted URL or `host=... port=... user=... dbname=...`. */
  description: string;
  /** Where the target came from: `--database-url`, `DATABASE_URL` or `PG* environment variables`. */
  source: string;
  /** Warnings for stderr (a password on the command line, an sslmode pg cannot honour). */
  warnings: string[];
  /**
   * `DatabaseAdminOptions.tenantConnection`: PGSSLROOTCERT's path (made
   * absolute), which `config.ssl` holds only as the certificate's text, so
   * tenants' connection strings name the same root certificate.
   */
  tenantConnection: { sslrootcert?: string };
}

/** How long to wait for a connection unless PGCONNECT_TIMEOUT says otherwise. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Resolves the admin connection: `--database-url`, else `DATABASE_URL`, else
 * the libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE,
 * PGSSLMODE, PGSSLROOTCERT, PGAPPNAME, PGCONNECT_TIMEOUT) with libpq's
 * defaults. The libpq case becomes a `pg` config of host, port and database,
 * so tenants' connection strings are built from those, with the TLS the admin
 * used: PGSSLMODE as the matching sslmode and PGSSLROOTCERT as sslrootcert.
 *
 * @throws UsageError for a malformed URL (never echoed: it may hold a password) or a bad variable.
 */
export function resolveConnection(databaseUrlFlag: string | undefined, env: CliIo['env'], command: string): ResolvedConnection {
  const warnings: string[] = [];
  const timeout = connectTimeout(env, command);
  const url = databaseUrlFlag ?? nonEmpty(env['DATABASE_URL']);
  if (url !== undefined) {
    const source = databaseUrlFlag !== undefined ? '--database-url' : 'DATABASE_URL';
    if (dialectNameForUrl(url) === 'mysql') {
      // The MySQL family: DatabaseAdmin takes the URL as it is (its dialect checks it; no pg pool, no libpq variables).
      if (databaseUrlFlag !== undefined && hasPassword(url)) {
        warnings.push('--database-url carries a password, which other users can see in ps; prefer DATABASE_URL in the environment.');
      }
      const registryDatabase = nonEmpty(env['TENANTRY_MYSQL_REGISTRY']);
      return {
        config: { connectionString: url },
        adminUrl: url,
        mysql: registryDatabase === undefined ? {} : { registryDatabase },
        description: redactConnectionString(url),
        source,
        warnings,
        tenantConnection: {},
      };
    }
    asUsage(command, () => validateConnectionUrl(url, source));
    if (databaseUrlFlag !== undefined && hasPassword(url)) {
      warnings.push('--database-url carries a password, which other users can see in ps; prefer DATABASE_URL or PGPASSWORD in the environment.');
    }
    const config: pg.PoolConfig = { connectionString: url, connectionTimeoutMillis: timeout };
    // pg falls back to PGPASSWORD itself, but from process.env: pass the one we were given.
    const password = nonEmpty(env['PGPASSWORD']);
    if (!hasPassword(url) && password !== undefined) config.password = password;
    return { config, description: redactConnectionString(url), source, warnings, tenantConnection: {} };
  }

  const user = nonEmpty(env['PGUSER']) ?? safeUserName();
  const host = nonEmpty(env['PGHOST']) ?? 'localhost';
  const portText = nonEmpty(env['PGPORT']) ?? '5432';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65_535) throw new UsageError(`PGPORT must be a port number, got '${portText}'.`, { command });
  const database = nonEmpty(env['PGDATABASE']) ?? user;
  const config: pg.PoolConfig = { host, port, user, database, connectionTimeoutMillis: timeout };
  const password = env['PGPASSWORD'];
  if (password !== undefined) config.password = password;
  const applicationName = nonEmpty(env['PGAPPNAME']);
  if (applicationName !== undefined) config.application_name = applicationName;
  config.ssl = sslFromEnv(env, warnings, command);
  const rootCert = nonEmpty(env['PGSSLROOTCERT']);
  // Tenants verify the server with the same file (as a path: the text cannot go into a URL).
  const tenantConnection = config.ssl && rootCert !== undefined && rootCert !== 'system' ? { sslrootcert: resolve(rootCert) } : {};
  return {
    config,
    description: `host=${host} port=${port} user=${user} dbname=${database}`,
    source: 'PG* environment variables',
    warnings,
    tenantConnection,
  };
}

/**
 * PGSSLMODE with libpq's meanings, as the library reads it in a URL and in
 * the environment: `prefer` encrypts without verifying (pg cannot fall back
 * to plaintext when the server has no TLS: it fails instead, with a
 * warning saying so), `allow` (plaintext first) is refused.
 */
function sslFromEnv(env: CliIo['env'], warnings: string[], command: string): pg.PoolConfig['ssl'] {
  const mode = nonEmpty(env['PGSSLMODE']);
  const rootCert = nonEmpty(env['PGSSLROOTCERT']);
  const ca = (): Pick<ConnectionOptions, 'ca'> => {
    if (rootCert === undefined || rootCert === 'system') return {};
    try {
      return { ca: readFileSync(rootCert, 'utf8') };
    } catch {
      throw new UsageError(`PGSSLROOTCERT names a file that cannot be read: ${rootCert}`, { command });
    }
  };
  // libpq's require encrypts without checking the certificate (unless a root certificate is given).
  const encryptedAsRequire = (): pg.PoolConfig['ssl'] =>
    rootCert === undefined ? { rejectUnauthorized: false } : { rejectUnauthorized: true, ...ca(), checkServerIdentity: () => undefined };
  switch (mode) {
    case undefined:
    case 'disable':
      return false;
    case 'allow':
      throw new UsageError('PGSSLMODE=allow (plaintext first) is not available with node-postgres: use disable, prefer or require.', { command });
    case 'prefer':
      warnings.push('PGSSLMODE=prefer: connecting with TLS, unverified, as require does (node-postgres cannot fall back to plaintext when the server has no TLS).');
      return encryptedAsRequire();
    case 'require':
      return encryptedAsRequire();
    case 'verify-ca':
      return { rejectUnauthorized: true, ...ca(), checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true, ...ca() };
    default:
      throw new UsageError(`PGSSLMODE must be disable, allow, prefer, require, verify-ca or verify-full; got '${mode}'.`, { command });
  }
}

function connectTimeout(env: CliIo['env'], command: string): number {
  const text = nonEmpty(env['PGCONNECT_TIMEOUT']);
  if (text === undefined) return DEFAULT_CONNECT_TIMEOUT_MS;
  if (!/^\d+$/.test(text)) throw new UsageError(`PGCONNECT_TIMEOUT must be a number of seconds, got '${text}'.`, { command });
  const seconds = Number(text);
  // libpq: 0 means wait forever; pg: 0 means no timeout too. libpq uses at least 2 s.
  return seconds === 0 ? 0 : Math.max(2, seconds) * 1000;
}

function hasPassword(url: string): boolean {
  const authority = url.replace(/^(postgres(ql)?|mysql|mariadb):\/\//i, '');
  const at = authority.lastIndexOf('@');
  return (at !== -1 && authority.slice(0, at).includes(':')) || /[?&](password|sslpassword)=/i.test(url);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'postgres';
  }
}

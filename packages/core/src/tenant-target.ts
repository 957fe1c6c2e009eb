import { isIP } from 'node:net';
import { ValidationError } from './errors/validation-error.js';
import type { TenantTlsOptions } from './tenant-tls.js';

/**
 * Where tenants connect, when that is not where the admin connects: a pooler
 * (PgBouncer), a proxy, a TLS endpoint. Each field replaces what the admin's
 * connection says; absent fields keep it. Tenantry's own connections (the
 * admin's, and the short-lived migrator logins of `migrateTenants`) always go
 * to the admin's server directly.
 */
export interface TenantConnectionOptions extends TenantTlsOptions {
  /** Host name, IP address, or Unix socket directory (an absolute path) tenants connect to. */
  host?: string | undefined;
  /** Port tenants connect to, 1 to 65535 (e.g. 6432, PgBouncer's). */
  port?: number | undefined;
  /**
   * Connection parameters set on tenants' connection strings, replacing the
   * admin's of the same name. Only these are accepted: see
   * `TENANT_CONNECTION_PARAMETERS`. A parameter that names a user, a password,
   * a client certificate or a host is refused: they belong to the tenant's
   * login or to `host` and `port`.
   */
  params?: Readonly<Record<string, string>> | undefined;
}

/** The connection parameters `TenantConnectionOptions.params` may set. */
export const TENANT_CONNECTION_PARAMETERS: ReadonlySet<string> = new Set([
  'sslmode',
  'sslrootcert',
  'sslnegotiation',
  'application_name',
  'connect_timeout',
  'target_session_attrs',
]);

const SSL_MODES: ReadonlySet<string> = new Set(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']);

/** A host name of letters, digits, `-`, `_` and dots (RFC 1123, plus `_` as container names have). */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_][A-Za-z0-9_-]{0,62})*\.?$/;

/** Where tenants connect, checked: `host` without brackets, `params` only from the allow-list. */
export interface TenantTarget {
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Checks the target part of `TenantConnectionOptions` (`host`, `port`,
 * `params`); `sslrootcert` is checked with the admin's TLS settings.
 *
 * ```ts
 * tenantTarget({ host: 'pgbouncer.internal', port: 6432, params: { sslmode: 'require' } });
 * ```
 *
 * @throws ValidationError naming the field and the rule it broke.
 */
export function tenantTarget(options: TenantConnectionOptions | undefined): TenantTarget {
  const { host, port, params } = options ?? {};
  return { host: host === undefined ? undefined : checkHost(host), port: port === undefined ? undefined : checkPort(port), params: checkParams(params) };
}

function checkHost(host: unknown): string {
  const fail = (rule: 'type' | 'control-character', why: string): never => {
    throw new ValidationError({ field: 'tenantConnection.host', rule, message: `tenantConnection.host ${why}` });
  };
  if (typeof host !== 'string' || host === '') return fail('type', 'must be a host name, an IP address or a Unix socket directory, as a non-empty string.');
  if (/[\u0000-\u001f\u007f]/.test(host)) return fail('control-character', 'must not contain control characters.');
  if (host.startsWith('/')) return host; // a Unix socket directory: it goes into ?host=, percent-encoded
  if (HOST_NAME.test(host)) return host;
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) === 6) return bare;
  return fail('type', `is not a host name, an IP address or an absolute socket directory: ${JSON.stringify(host)}.`);
}

function checkPort(port: unknown): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ValidationError({ field: 'tenantConnection.port', rule: 'out-of-range', message: `tenantConnection.port must be an integer from 1 to 65535, got ${JSON.stringify(port)}.` });
  }
  return port;
}

function checkParams(params: unknown): Record<string, string> {
  if (params === undefined) return {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new ValidationError({ field: 'tenantConnection.params', rule: 'type', message: 'tenantConnection.params must be an object of parameter names to string values.' });
  }
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    const field = `tenantConnection.params.${name}`;
    if (!TENANT_CONNECTION_PARAMETERS.has(name)) {
      throw new ValidationError({
        field,
        rule: 'type',
        message:
          `tenantConnection.params cannot set "${name}": only ${[...TENANT_CONNECTION_PARAMETERS].join(', ')} are accepted ` +
          '(the user, password and client certificate are the tenant\'s own; the host and port are tenantConnection.host and .port).',
      });
    }
    if (typeof value !== 'string' || value === '') {
      throw new ValidationError({ field, rule: 'type', message: `${field} must be a non-empty string.` });
    }
    if (/[\u0000-\u001f\u007f]/.test(value)) {
      throw new ValidationError({ field, rule: 'control-character', message: `${field} must not contain control characters.` });
    }
    if (name === 'sslmode' && !SSL_MODES.has(value)) {
      throw new ValidationError({ field, rule: 'out-of-range', message: `${field} must be one of ${[...SSL_MODES].join(', ')}, got ${JSON.stringify(value)}.` });
    }
    if (name === 'connect_timeout' && !/^\d{1,6}$/.test(value)) {
      throw new ValidationError({ field, rule: 'out-of-range', message: `${field} must be a whole number of seconds, got ${JSON.stringify(value)}.` });
    }
    checked[name] = value;
  }
  return checked;
}

/** True when the options send tenants somewhere else than the admin's server (or with other parameters). */
export function hasTenantTarget(target: TenantTarget): boolean {
  return target.host !== undefined || target.port !== undefined || Object.keys(target.params).length > 0;
}

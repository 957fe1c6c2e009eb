import { ValidationError } from './errors/validation-error.js';

/** A `pg` config's `ssl` setting, as far as it matters to a tenant's connection string. */
export type PgSslSetting =
  | boolean
  | string
  | null
  | undefined
  | {
      rejectUnauthorized?: boolean | undefined;
      ca?: unknown;
      checkServerIdentity?: unknown;
    };

/** How a tenant's connection string names what the admin's `pg` config holds as values. */
export interface TenantTlsOptions {
  /**
   * Path of the root certificate file (PEM) a tenant's client verifies the
   * server with: the file behind the admin's `ssl.ca`. Required when `ssl.ca`
   * is given, since a certificate's text cannot go into a URL. A path the
   * tenant's client can read, as libpq's `sslrootcert` parameter.
   */
  sslrootcert?: string | undefined;
}

/**
 * The TLS parameters (libpq's `sslmode` and `sslrootcert`) that give a tenant's
 * connection string the TLS requirements of the admin's `pg` config, so a
 * tenant never connects with less verification than the admin did:
 *
 * | admin's `ssl` | tenant's parameters |
 * |---|---|
 * | `false`, `undefined`, `null` | none (no TLS) |
 * | `true`, `{}` (pg checks chain and host name by default) | `sslmode=verify-full` |
 * | `{ rejectUnauthorized: false }`, `'no-verify'` | `sslmode=require` |
 * | `{ checkServerIdentity }` (a custom host check a URL cannot express) | `sslmode=verify-ca` |
 * | `{ ca }` with verification | also `sslrootcert` = `options.sslrootcert`, which is then required |
 *
 * The admin's client certificate (`cert`, `key`, `pfx`, `passphrase`) is never
 * passed on: it is the admin's identity, not the tenant's.
 *
 * ```ts
 * tenantTlsParameters({ ca: readFileSync('/etc/ssl/db-ca.pem', 'utf8') }, { sslrootcert: '/etc/ssl/db-ca.pem' });
 * // { sslmode: 'verify-full', sslrootcert: '/etc/ssl/db-ca.pem' }
 * ```
 *
 * @throws ValidationError when `ssl.ca` is given without `options.sslrootcert`,
 *   or `options.sslrootcert` is given for a connection without TLS.
 */
export function tenantTlsParameters(ssl: PgSslSetting, options: TenantTlsOptions = {}): Record<string, string> {
  const { sslrootcert } = options;
  if (sslrootcert !== undefined && (typeof sslrootcert !== 'string' || sslrootcert === '' || sslrootcert.includes('\0'))) {
    throw new ValidationError({
      field: 'tenantConnection.sslrootcert',
      rule: 'type',
      message: 'tenantConnection.sslrootcert must be the path of a root certificate file, as a non-empty string.',
    });
  }
  if (ssl === false || ssl === undefined || ssl === null || ssl === '') {
    if (sslrootcert !== undefined) {
      throw new ValidationError({
        field: 'tenantConnection.sslrootcert',
        rule: 'out-of-range',
        message:
          'tenantConnection.sslrootcert is set, but the admin connection does not use TLS: set ssl in the admin connection ' +
          '(or sslmode in its URL), or drop tenantConnection.sslrootcert.',
      });
    }
    return {};
  }
  const settings = typeof ssl === 'object' ? ssl : {};
  const verifies = ssl !== 'no-verify' && settings.rejectUnauthorized !== false;
  const params: Record<string, string> = {
    sslmode: !verifies ? 'require' : typeof settings.checkServerIdentity === 'function' ? 'verify-ca' : 'verify-full',
  };
  if (verifies && hasCertificates(settings.ca) && sslrootcert === undefined) {
    throw new ValidationError({
      field: 'tenantConnection.sslrootcert',
      rule: 'empty',
      message:
        "The admin connection verifies the server with ssl.ca, a certificate's text, which a tenant's connection string cannot carry. " +
        "Pass the path of that certificate file as tenantConnection: { sslrootcert: '/path/to/ca.pem' } in the DatabaseAdmin options, " +
        'or connect with a URL that names it (?sslmode=verify-full&sslrootcert=/path/to/ca.pem).',
    });
  }
  if (sslrootcert !== undefined) params['sslrootcert'] = sslrootcert;
  return params;
}

function hasCertificates(ca: unknown): boolean {
  if (Array.isArray(ca)) return ca.length > 0;
  return ca !== undefined && ca !== null && ca !== '';
}

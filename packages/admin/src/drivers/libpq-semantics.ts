import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ValidationError } from '@tenantry/core';

/**
 * libpq's meaning of `sslmode`, for `pg`, whose own differs: pg reads
 * `require` (and `prefer`, `verify-ca`) as `verify-full`, with a SECURITY
 * WARNING. Tenantry follows libpq (what its README, psql and every other
 * client say): `disable` no TLS; `prefer` and `require` encrypted without
 * verification (with a root certificate, `require` verifies the chain, as
 * `verify-ca`); `verify-ca` the chain against `sslrootcert`; `verify-full` the
 * chain and the host name. One exception: `prefer` does not fall back to an
 * unencrypted connection (pg cannot), it fails when the server has no TLS.
 *
 * The same holds for the URL (pg-connection-string's libpq-compatible mode,
 * `uselibpqcompat=true`) and for `PGSSLMODE`/`PGSSLROOTCERT`, which pg would
 * otherwise read with its own meaning; so a tenant's connection string, which
 * carries the mode the admin connected with, means the same to the tenant's
 * libpq client as to the admin.
 */
const LIBPQ_SSLMODES: ReadonlySet<string> = new Set(['disable', 'prefer', 'require', 'verify-ca', 'verify-full']);

/**
 * libpq settings that `pg` does not read. Set, they would be silently
 * ignored: a service's host, port and TLS from `pg_service.conf`, a
 * revocation list, a client certificate. Refused instead.
 */
const UNREAD_ENVIRONMENT: readonly { name: string; what: string }[] = [
  { name: 'PGSERVICE', what: 'a service from pg_service.conf (PGSERVICEFILE)' },
  { name: 'PGSSLCRL', what: 'a certificate revocation list' },
  { name: 'PGSSLCRLDIR', what: 'a certificate revocation list directory' },
  { name: 'PGSSLCERT', what: 'a client certificate' },
  { name: 'PGSSLKEY', what: 'a client key' },
  { name: 'PGHOSTADDR', what: 'a host address' },
];

/** URL parameters libpq reads and pg does not; the same reasoning. */
const UNREAD_PARAMETERS: readonly { name: string; what: string }[] = [
  { name: 'service', what: 'a service from pg_service.conf' },
  { name: 'sslcrl', what: 'a certificate revocation list' },
  { name: 'sslcrldir', what: 'a certificate revocation list directory' },
  { name: 'hostaddr', what: 'a host address' },
];

/**
 * The admin URL as `pg` must get it to read `sslmode` as libpq does: with
 * `uselibpqcompat=true`. Checked first: a mode libpq does not know
 * (`no-verify`, pg's own, or `allow`, which pg cannot do) and `verify-ca`
 * without `sslrootcert` are refused, as are parameters pg would ignore.
 *
 * @throws ValidationError, without echoing the URL.
 */
export function libpqUrlForPg(url: string): string {
  const params = queryParameters(url);
  for (const { name, what } of UNREAD_PARAMETERS) {
    if (params.has(name)) throw unread(`The admin URL's ${name} parameter`, what, name === 'service' ? 'put the service\'s host, port, dbname and sslmode in the URL' : `remove ${name} from the URL`);
  }
  if (params.has('ssl')) {
    throw new ValidationError({
      field: 'databaseUrl',
      rule: 'out-of-range',
      message: "The admin URL's ssl parameter is node-postgres's own, which libpq refuses, and tenants' strings would carry it: use sslmode (require to encrypt, verify-full to verify the server) instead.",
    });
  }
  if (params.get('sslrootcert') === 'system') throw systemRootCert('sslrootcert');
  const sslmode = params.get('sslmode');
  if (sslmode !== undefined) checkSslmode(sslmode, 'sslmode', params.has('sslrootcert'), 'sslrootcert');
  const compat = params.get('uselibpqcompat');
  if (compat !== undefined) {
    if (compat === 'true') return url;
    throw new ValidationError({
      field: 'databaseUrl',
      rule: 'out-of-range',
      message: 'The admin URL sets uselibpqcompat to something other than true: Tenantry reads sslmode as libpq does, always. Remove uselibpqcompat from the URL.',
    });
  }
  const [beforeFragment = '', fragment] = url.split('#', 2) as [string, string | undefined];
  const joined = `${beforeFragment}${beforeFragment.includes('?') ? '&' : '?'}uselibpqcompat=true`;
  return fragment === undefined ? joined : `${joined}#${fragment}`;
}

/**
 * Whether `pg`, reading this URL with its own meanings (a caller's pool, made
 * without `uselibpqcompat=true`), verified the server fully although the
 * URL's `sslmode` (`prefer`, `require`, `verify-ca`) says less to libpq: a
 * tenant's string must then say `verify-full`, never less than the admin had.
 */
export function pgVerifiedFully(url: string): boolean {
  const params = queryParameters(url);
  const sslmode = params.get('sslmode');
  return params.get('uselibpqcompat') !== 'true' && (sslmode === 'prefer' || sslmode === 'require' || sslmode === 'verify-ca');
}

/**
 * The `ssl` of a pool config that names none and whose URL (if any) sets no
 * TLS: what libpq makes of `PGSSLMODE` and `PGSSLROOTCERT`, instead of what pg
 * would (`require` as `verify-full`). Undefined when `PGSSLMODE` is unset
 * (pg's default then, no TLS). Also refuses the libpq variables pg ignores.
 *
 * @throws ValidationError for an unknown mode, `verify-ca` without `PGSSLROOTCERT`, an unreadable root certificate, or a variable pg would ignore.
 */
export function sslFromLibpqEnvironment(env: NodeJS.ProcessEnv): { ssl: boolean | ConnectionOptions | undefined; sslrootcert: string | undefined } {
  refuseUnreadEnvironment(env);
  const sslmode = nonEmpty(env['PGSSLMODE']);
  const sslrootcert = nonEmpty(env['PGSSLROOTCERT']);
  if (sslmode === undefined) return { ssl: undefined, sslrootcert: undefined };
  if (sslrootcert === 'system') throw systemRootCert('PGSSLROOTCERT');
  checkSslmode(sslmode, 'PGSSLMODE', sslrootcert !== undefined, 'PGSSLROOTCERT');
  if (sslmode === 'disable') return { ssl: false, sslrootcert: undefined };
  const ca = sslrootcert === undefined ? undefined : readRootCertificate(sslrootcert);
  if (sslmode === 'verify-full') return { ssl: ca === undefined ? true : { ca }, sslrootcert };
  if (ca !== undefined) return { ssl: { ca, checkServerIdentity: () => undefined }, sslrootcert }; // verify-ca; require with a root certificate, as libpq
  return { ssl: { rejectUnauthorized: false }, sslrootcert: undefined }; // prefer, require: encrypted, not verified
}

/** Refuses the libpq variables pg would ignore. */
export function refuseUnreadEnvironment(env: NodeJS.ProcessEnv): void {
  for (const { name, what } of UNREAD_ENVIRONMENT) {
    if (nonEmpty(env[name]) !== undefined) throw unread(`${name} is set, but`, what, `unset ${name} and put what it says in the admin URL`);
  }
}

function checkSslmode(sslmode: string, field: string, hasRootCert: boolean, rootCertName: string): void {
  if (!LIBPQ_SSLMODES.has(sslmode)) {
    throw new ValidationError({
      field,
      rule: 'out-of-range',
      message:
        `${field} must be one of disable, prefer, require, verify-ca, verify-full (libpq's meanings)${sslmode === 'no-verify' ? "; no-verify is node-postgres's own: use require, which encrypts without verifying" : ''}` +
        `${sslmode === 'allow' ? '; allow (plaintext first) is not available with node-postgres: use prefer or require' : ''}.`,
    });
  }
  if (sslmode === 'verify-ca' && !hasRootCert) {
    throw new ValidationError({
      field,
      rule: 'out-of-range',
      message: `${field}=verify-ca verifies the server's certificate chain against a root certificate: set ${rootCertName} to its file, or use verify-full.`,
    });
  }
}

/** libpq's `system` (the operating system's CAs) has no counterpart pg-connection-string reads; verify-full without a root certificate uses Node's CAs. */
function systemRootCert(field: string): ValidationError {
  return new ValidationError({
    field,
    rule: 'out-of-range',
    message: `${field}=system is not read by node-postgres: for the system's certificate authorities use sslmode verify-full without ${field}, or name a root certificate file.`,
  });
}

function unread(subject: string, what: string, fix: string): ValidationError {
  return new ValidationError({
    field: 'connection',
    rule: 'out-of-range',
    message: `${subject} names ${what}, which node-postgres does not read; Tenantry refuses rather than ignore it: ${fix}.`,
  });
}

function readRootCertificate(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ValidationError({ field: 'PGSSLROOTCERT', rule: 'type', message: `PGSSLROOTCERT names a file that cannot be read: ${JSON.stringify(path)}.` });
  }
}

/** The URL's query parameters, decoded; the user info (with the password) is never looked at. */
function queryParameters(url: string): Map<string, string> {
  const query = url.split('#', 1)[0]!.split('?').slice(1).join('?');
  const params = new Map<string, string>();
  for (const pair of query === '' ? [] : query.split('&')) {
    const equals = pair.indexOf('=');
    const [name, value] = equals === -1 ? [pair, ''] : [pair.slice(0, equals), pair.slice(equals + 1)];
    params.set(decode(name), decode(value));
  }
  return params;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

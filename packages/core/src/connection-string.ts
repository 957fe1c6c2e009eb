import { ValidationError } from './errors/validation-error.js';

const URL_PATTERN = /^(postgres(?:ql)?):\/\/([^/?#]*)(.*)$/is;

/**
 * Query parameters that carry the admin's own identity or secret. A tenant's
 * connection string must not inherit them: they would override the tenant's
 * user and password (libpq and pg-connection-string both honour `user=` and
 * `password=` in the query). `sslcert`, `sslkey` and `sslpassword` are the
 * admin's TLS client certificate, its key and the key's passphrase: a server
 * that maps certificates to roles (`clientcert=verify-full`, `cert` auth) would
 * take the tenant for the admin, and the tenant would be handed the paths (and
 * the passphrase) of the admin's private key. The server-verifying parameters
 * (`sslmode`, `sslrootcert`, `sslcrl`, ...) are kept: they protect the tenant too.
 */
const ADMIN_IDENTITY_PARAMETERS: ReadonlySet<string> = new Set([
  'user',
  'password',
  'passfile',
  'sslcert',
  'sslkey',
  'sslpassword',
]);

/** A libpq keyword/value conninfo string: `host=db dbname=app`, starting with a keyword and `=`. */
const KEYWORD_VALUE_PATTERN = /^\s*[a-z_]+\s*=/i;

const SECRET_PARAMETERS: ReadonlySet<string> = new Set(['password', 'sslpassword']);

/**
 * Parameters by which a URL decides TLS for `pg`: when one of them is present,
 * pg-connection-string sets `ssl` from the URL and a pool config's own `ssl` is
 * ignored (`sslnegotiation=direct` turns TLS on by itself).
 */
const TLS_PARAMETERS: ReadonlySet<string> = new Set(['ssl', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'sslnegotiation']);

interface SplitUrl {
  scheme: string;
  userInfo: string | undefined;
  hosts: string;
  path: string;
  query: string[];
  fragment: string;
}

function splitUrl(url: string): SplitUrl {
  const match = URL_PATTERN.exec(url);
  if (!match) {
    // The input may hold a password: never echo it.
    throw new ValidationError({
      field: 'databaseUrl',
      rule: 'type',
      message: 'Expected a connection URL of the form postgresql://user:password@host:port/database?param=value.',
    });
  }
  const [, scheme = '', authority = '', rest = ''] = match;
  const at = authority.lastIndexOf('@');
  const [beforeFragment = '', fragment = ''] = splitOnce(rest, '#');
  const [path = '', query = ''] = splitOnce(beforeFragment, '?');
  return {
    scheme,
    userInfo: at === -1 ? undefined : authority.slice(0, at),
    hosts: at === -1 ? authority : authority.slice(at + 1),
    path,
    query: query === '' ? [] : query.split('&'),
    fragment,
  };
}

function splitOnce(text: string, separator: string): [string, string] {
  const index = text.indexOf(separator);
  return index === -1 ? [text, ''] : [text.slice(0, index), text.slice(index + 1)];
}

function parameterName(pair: string): string {
  return decodeParameterName(splitOnce(pair, '=')[0]);
}

function decodeParameterName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

function joinUrl(parts: SplitUrl, userInfo: string | undefined): string {
  const authority = userInfo === undefined ? parts.hosts : `${userInfo}@${parts.hosts}`;
  const query = parts.query.length > 0 ? `?${parts.query.join('&')}` : '';
  const fragment = parts.fragment === '' ? '' : `#${parts.fragment}`;
  return `${parts.scheme}://${authority}${parts.path}${query}${fragment}`;
}

/**
 * Builds a tenant's connection string from the admin's URL.
 *
 * Everything that says where and how to connect is kept as written: the host
 * list (`h1:5432,h2:5433`), port, database, and every query parameter
 * (`sslmode`, `sslrootcert`, `host=/var/run/postgresql`, `application_name`,
 * ...). The user and password are replaced by the tenant's, percent-encoded,
 * and parameters that carry the admin's identity (`user`, `password`,
 * `sslcert`, `sslkey`, `sslpassword`) dropped. An admin URL whose only TLS
 * parameters were its client certificate still made `pg` use TLS with full
 * verification: the tenant gets `sslmode=verify-full` in their place.
 *
 * `params` are set on top, replacing the URL's own of the same name (e.g.
 * `sslrootcert`, or the TLS settings of a pool config whose URL has none).
 * `target` sends the tenant elsewhere (a pooler, a proxy): its `host`
 * replaces the host list (and any `host`, `hostaddr`, `port` parameter), its
 * `port` the port; check them with `tenantTarget` first.
 *
 * An empty `password` (never a tenant's: empty passwords are refused) leaves
 * the password out, `postgresql://acme@db:5432/app`: for a tenant whose
 * password Tenantry does not know (after a rename).
 *
 * ```ts
 * tenantConnectionString('postgresql://admin:pw@db:5432/app?sslmode=verify-full&sslrootcert=/etc/ca.pem', { username: 'acme', password: 'p@ss' });
 * // 'postgresql://acme:p%40ss@db:5432/app?sslmode=verify-full&sslrootcert=/etc/ca.pem'
 * ```
 */
export function tenantConnectionString(
  adminUrl: string,
  tenant: { username: string; password: string },
  params: Readonly<Record<string, string>> = {},
  target: { host?: string | undefined; port?: number | undefined } = {},
): string {
  const parts = splitUrl(validateConnectionUrl(adminUrl));
  if (target.host !== undefined || target.port !== undefined) pointAt(parts, target);
  const hadTls = parts.query.some((pair) => TLS_PARAMETERS.has(parameterName(pair)));
  const added = Object.entries(params);
  const replaced = new Set(added.map(([name]) => name));
  parts.query = parts.query.filter((pair) => !ADMIN_IDENTITY_PARAMETERS.has(parameterName(pair)) && !replaced.has(parameterName(pair)));
  const hasTls = [...parts.query.map(parameterName), ...added.map(([name]) => name)].some((name) => TLS_PARAMETERS.has(name));
  if (hadTls && !hasTls) added.push(['sslmode', 'verify-full']);
  parts.query.push(...added.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`));
  const password = tenant.password === '' ? '' : `:${encodeURIComponent(tenant.password)}`;
  return joinUrl(parts, `${encodeURIComponent(tenant.username)}${password}`);
}

/** Parameters by which a URL names its host or port besides the authority. */
const WHERE_PARAMETERS: ReadonlySet<string> = new Set(['host', 'hostaddr', 'port']);

/**
 * Points a split URL at another host and/or port (a pooler, a proxy): a new
 * host replaces the host list and any `host`, `hostaddr` or `port` parameter; a
 * port alone replaces the port of the one host (a host list needs a host too).
 */
function pointAt(parts: SplitUrl, target: { host?: string | undefined; port?: number | undefined }): void {
  const { host, port } = target;
  if (host !== undefined) {
    parts.query = parts.query.filter((pair) => !WHERE_PARAMETERS.has(parameterName(pair)));
    const suffix = port === undefined ? '' : `:${port}`;
    if (host.startsWith('/')) {
      parts.hosts = '';
      parts.query.unshift(`host=${encodeURIComponent(host)}`);
      if (port !== undefined) parts.query.push(`port=${port}`);
    } else {
      parts.hosts = `${host.includes(':') ? `[${host}]` : host}${suffix}`;
    }
    return;
  }
  if (parts.hosts.includes(',')) {
    throw new ValidationError({
      field: 'tenantConnection.port',
      rule: 'type',
      message: 'tenantConnection.port alone cannot change the port of a host list (h1,h2): give tenantConnection.host too.',
    });
  }
  if (parts.hosts === '') {
    // The host is in ?host= (a Unix socket): the port goes next to it.
    parts.query = parts.query.filter((pair) => parameterName(pair) !== 'port');
    parts.query.push(`port=${port}`);
    return;
  }
  const bracketed = /^(\[[^\]]*\])(?::\d*)?$/.exec(parts.hosts);
  parts.hosts = `${bracketed ? bracketed[1] : parts.hosts.replace(/:\d*$/, '')}:${port}`;
}

/**
 * True when the URL itself decides whether and how `pg` uses TLS (it has
 * `sslmode`, `ssl`, `sslrootcert`, `sslcert`, `sslkey` or `sslnegotiation`):
 * then a pool config's `ssl` next to it is ignored.
 */
export function connectionUrlSetsTls(url: string): boolean {
  return splitUrl(validateConnectionUrl(url)).query.some((pair) => TLS_PARAMETERS.has(parameterName(pair)));
}

/** The parts of a connection that a URL is built from, as a `pg` config holds them. */
export interface ConnectionParts {
  host?: string | undefined;
  port?: number | undefined;
  database?: string | undefined;
  user: string;
  password: string;
  /** Extra query parameters, e.g. `{ sslmode: 'require' }`. */
  params?: Readonly<Record<string, string>> | undefined;
}

/**
 * Formats a connection URL from its parts, percent-encoding each one. A host
 * that is a directory (a Unix socket) goes into `?host=`, as libpq expects.
 */
export function formatConnectionString(parts: ConnectionParts): string {
  const params: [string, string][] = Object.entries(parts.params ?? {});
  let authorityHost = '';
  if (parts.host?.startsWith('/')) params.unshift(['host', parts.host]);
  else if (parts.host) authorityHost = parts.host.includes(':') ? `[${parts.host}]` : parts.host;
  const port = parts.port === undefined ? '' : `:${parts.port}`;
  const database = parts.database === undefined ? '' : `/${encodeURIComponent(parts.database)}`;
  const query = params.length === 0 ? '' : `?${params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
  const user = `${encodeURIComponent(parts.user)}:${encodeURIComponent(parts.password)}`;
  return `postgresql://${user}@${authorityHost}${port}${database}${query}`;
}

/**
 * Replaces the password in a connection URL (in the user info and in any
 * `password=`/`sslpassword=` parameter) with `***`, for messages and logs.
 * A password with a raw `/`, `?` or `#` makes a URL ambiguous, so the user
 * info is taken up to the LAST `@`: that may hide more than the password, never
 * less. Input that is not a URL is replaced whole, since it may be a
 * key=value string with a secret.
 */
export function redactConnectionString(url: string): string {
  const scheme = /^(postgres(?:ql)?):\/\//i.exec(url);
  if (!scheme) return '[redacted connection string]';
  let rest = url.slice(scheme[0].length);
  let userInfo: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    const colon = rest.indexOf(':');
    userInfo = colon !== -1 && colon < at ? `${rest.slice(0, colon)}:***` : rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  const redacted = rest.replace(/([?&])([^=&#]*)=[^&#]*/g, (pair, separator: string, name: string) =>
    SECRET_PARAMETERS.has(decodeParameterName(name)) ? `${separator}${name}=***` : pair,
  );
  return `${scheme[0]}${userInfo === undefined ? '' : `${userInfo}@`}${redacted}`;
}

/**
 * Refuses a connection URL whose user info is ambiguous: a raw `/`, `?` or
 * `#` before the last `@` means the password was not percent-encoded, and a
 * driver would read part of it as the host (and print it in its errors).
 *
 * @throws ValidationError, without echoing the URL.
 */
export function validateConnectionUrl(url: unknown, field = 'databaseUrl'): string {
  const reject = (why: string): never => {
    throw new ValidationError({ field, rule: 'type', message: `${field} ${why}` });
  };
  if (typeof url === 'string' && KEYWORD_VALUE_PATTERN.test(url)) {
    // Never echo it: it may hold password=...
    return reject(
      'is a keyword/value connection string (host=... dbname=...), which Tenantry does not read: write it as a URL, ' +
        'postgresql://user:password@host:port/dbname?sslmode=..., with the same parameters.',
    );
  }
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//i.test(url)) {
    return reject('must be a URL of the form postgresql://user:password@host:port/database.');
  }
  const rest = url.replace(/^postgres(ql)?:\/\//i, '');
  const firstDelimiter = rest.search(/[/?#]/);
  if (firstDelimiter !== -1 && rest.lastIndexOf('@') > firstDelimiter) {
    return reject('is ambiguous: percent-encode "/", "?", "#", "@" and "%" in the user name and password (encodeURIComponent).');
  }
  return url;
}

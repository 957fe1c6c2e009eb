/** The parts of a `mysql://` or `mariadb://` connection URL that the harness uses. */
export interface MysqlUrlParts {
  readonly host: string;
  /** 3306 when the URL names none. */
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** `undefined` when the URL has no path. */
  readonly database: string | undefined;
}

const SCHEMES = new Set(['mysql:', 'mariadb:']);

/** True when `url` parses and its scheme is `mysql:` or `mariadb:`. Never throws. */
export function isMysqlUrl(url: string): boolean {
  try {
    return SCHEMES.has(new URL(url).protocol);
  } catch {
    return false;
  }
}

/**
 * Parses a `mysql://user:password@host:port/database` (or `mariadb://`) URL,
 * percent-decoding user, password and database.
 *
 * mysql2's own URL parsing turns a missing port into `NaN`: this one defaults to 3306.
 *
 * @throws {TypeError} for another scheme or an unparsable URL; the message
 * never repeats the input, which may hold a password.
 */
export function parseMysqlUrl(url: string): MysqlUrlParts {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('parseMysqlUrl: not a valid connection URL (input redacted)');
  }
  if (!SCHEMES.has(parsed.protocol)) {
    throw new TypeError(`parseMysqlUrl: expected a mysql:// or mariadb:// URL, got ${parsed.protocol}// (rest redacted)`);
  }
  const path = parsed.pathname.replace(/^\//, '');
  return {
    host: parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname,
    port: parsed.port === '' ? 3306 : Number.parseInt(parsed.port, 10),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: path === '' ? undefined : decodeURIComponent(path),
  };
}

/**
 * Formats a `mysql://` URL; user, password and database are percent-encoded.
 *
 * @example
 * ```ts
 * formatMysqlUrl({ host: '127.0.0.1', port: 3306, user: 'a@b', password: 'p/w', database: undefined });
 * // 'mysql://a%40b:p%2Fw@127.0.0.1:3306/'
 * ```
 */
export function formatMysqlUrl(parts: MysqlUrlParts): string {
  const host = parts.host.includes(':') ? `[${parts.host}]` : parts.host;
  const credentials = `${encodeURIComponent(parts.user)}${parts.password === '' ? '' : `:${encodeURIComponent(parts.password)}`}`;
  return `mysql://${credentials}@${host}:${parts.port}/${parts.database === undefined ? '' : encodeURIComponent(parts.database)}`;
}

/** `url` with its user and password replaced (host, port and database kept). */
export function withMysqlCredentials(url: string, user: string, password: string): string {
  return formatMysqlUrl({ ...parseMysqlUrl(url), user, password });
}

/**
 * Returns `url` with its database (the path) replaced by `database`; user,
 * password, host, port and query parameters (`sslmode`, ...) are kept.
 *
 * @example
 * ```ts
 * withDatabase('postgres://admin:pw@127.0.0.1:5432/postgres?sslmode=disable', 'scratch_ab12');
 * // 'postgres://admin:pw@127.0.0.1:5432/scratch_ab12?sslmode=disable'
 * ```
 */
export function withDatabase(url: string, database: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Never echo the input: it may contain a password.
    throw new TypeError('withDatabase: not a valid connection URL (input redacted)');
  }
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

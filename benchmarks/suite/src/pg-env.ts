/** libpq environment for psql/pgbench: the password goes in PGPASSWORD, never in argv. */
export function libpqEnv(url: string, overrides: { host?: string; port?: number } = {}): NodeJS.ProcessEnv {
  const parsed = new URL(url);
  return {
    ...process.env,
    PGHOST: overrides.host ?? parsed.hostname,
    PGPORT: String(overrides.port ?? parsed.port),
    PGUSER: decodeURIComponent(parsed.username),
    PGPASSWORD: decodeURIComponent(parsed.password),
    PGDATABASE: decodeURIComponent(parsed.pathname.slice(1)),
    // The embedded server has no TLS; skip the SSLRequest round trip as pg does.
    PGSSLMODE: 'disable',
    PGAPPNAME: 'tenantry-bench',
  };
}

/** The same URL pointing at another host/port (e.g. a relay). */
export function viaPort(url: string, port: number, host = '127.0.0.1'): string {
  const parsed = new URL(url);
  parsed.hostname = host;
  parsed.port = String(port);
  return parsed.toString();
}

/** The same URL on another database. */
export function onDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

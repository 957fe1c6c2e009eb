import pg from 'pg';

/**
 * Opens one `pg` client on `target` (a URL or a client config), runs `work`
 * with it and always closes it. The harness needs a handful of admin
 * statements, not a pool.
 */
export async function withClient<T>(target: string | pg.ClientConfig, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(typeof target === 'string' ? { connectionString: target } : target);
  // A server that goes away while idle emits 'error'; without a listener that
  // would crash the test process instead of failing the current query.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

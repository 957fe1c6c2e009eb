import pg from 'pg';

/**
 * A one-connection pool whose clients record the text of every query they
 * send: one `client.query` is one round trip on the simple protocol, so the
 * record counts an operation's round trips.
 */
export function queryRecordingPool(connectionString: string): { pool: pg.Pool; sent: string[] } {
  const pool = new pg.Pool({ connectionString, max: 1 });
  const sent: string[] = [];
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      sent.push(typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string }).text));
      return query(...args);
    };
  });
  return { pool, sent };
}

import { withClient } from './with-client.js';

/**
 * Connects to `url` and returns the server's `server_version_num`
 * (e.g. `180004` for PostgreSQL 18.4), which tests use to branch on version
 * differences such as PG15's `public` schema or PG16's `CREATEROLE`.
 */
export async function queryServerVersionNum(url: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ version: number }>(
      "SELECT current_setting('server_version_num')::int AS version",
    );
    const version = rows[0]?.version;
    if (typeof version !== 'number') throw new Error('server_version_num: unexpected empty result');
    return version;
  });
}

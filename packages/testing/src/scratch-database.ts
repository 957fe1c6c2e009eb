import { withDatabase } from './database-url.js';
import { uniqueName } from './unique-name.js';
import { withClient } from './with-client.js';

/** A database created for one test file or test, and its connection URL. */
export interface ScratchDatabase {
  /** Database name: the prefix, `_`, and a random suffix. */
  readonly name: string;
  /** The admin URL pointing at this database instead. */
  readonly url: string;
  /** Drops the database, disconnecting any remaining sessions. Idempotent. */
  drop(): Promise<void>;
}

/**
 * Creates a new, uniquely named database on the server at `adminUrl`, so tests
 * can run in parallel without seeing each other's schemas.
 *
 * @example
 * ```ts
 * const db = await createScratchDatabase(inject('tenantryAdminUrl'), 'admin');
 * afterAll(() => db.drop());
 * ```
 *
 * The generated SQL (PostgreSQL):
 * ```sql
 * CREATE DATABASE "admin_k3v0c9x1m2q8z7ab"
 * DROP DATABASE IF EXISTS "admin_k3v0c9x1m2q8z7ab" WITH (FORCE)
 * ```
 */
export async function createScratchDatabase(adminUrl: string, prefix = 'scratch'): Promise<ScratchDatabase> {
  const name = uniqueName(prefix);
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
  let dropping: Promise<void> | undefined;
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: () =>
      (dropping ??= withClient(adminUrl, async (client) => {
        // FORCE (PG13+): a test that leaked a connection must not block cleanup.
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      })),
  };
}

import pg from 'pg';
import { DatabaseAdmin, mapDatabaseError } from '@tenantry/admin';
import { pinSearchPathStatement, PostgresDialect, type ServerFactsRow } from '@tenantry/sql';
import type { ResolvedConnection } from './connection.js';

/** What the orchestration needs to know about the server before it plans. */
export interface ServerFacts {
  row: ServerFactsRow;
  dialect: PostgresDialect;
}

/**
 * A `DatabaseAdmin` on a pool the CLI owns, plus the server facts read once
 * through it. Commands do everything else through `admin`: the CLI runs no SQL
 * of its own in the admin's session, and never reads a tenant's objects there
 * (a tenant can turn any table into a view over its own function).
 */
export class AdminHandle {
  readonly admin: DatabaseAdmin;
  readonly connection: ResolvedConnection;
  readonly #pool: pg.Pool;
  #facts: Promise<ServerFacts> | undefined;

  constructor(connection: ResolvedConnection, options: { poolSize?: number | undefined } = {}) {
    this.connection = connection;
    // Bulk creation caps its concurrency at the pool's size: make room for it.
    this.#pool = new pg.Pool({ ...connection.config, max: Math.max(10, options.poolSize ?? 0) });
    // An idle client whose server went away emits 'error' on the pool; the next query reports it.
    this.#pool.on('error', () => undefined);
    // Before any connection: DatabaseAdmin puts its 'error' listener on every
    // client of the pool from its creation on (a FATAL right after login must
    // fail the command, not crash it), and names PGSSLROOTCERT in tenants' URLs.
    this.admin = new DatabaseAdmin(this.#pool, { tenantConnection: connection.tenantConnection });
  }

  /**
   * Runs `work` in a READ ONLY transaction whose names resolve in pg_catalog
   * only (as the admin's own transactions do); errors are mapped to Tenantry's.
   * Private: for the catalog reads of `facts` only.
   */
  async #read<T>(action: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.#pool.connect();
      client.on('error', ignore);
      await client.query(`BEGIN READ ONLY; ${pinSearchPathStatement().sql}`);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client?.query('ROLLBACK').catch(ignore);
      throw mapDatabaseError(error, { action });
    } finally {
      client?.off('error', ignore);
      client?.release();
    }
  }

  /** Server version, database, admin role and its rights: read once. */
  facts(): Promise<ServerFacts> {
    this.#facts ??= this.#read('connect to the database', async (client) => {
      const query = new PostgresDialect().serverFactsQuery();
      const row = (await client.query<ServerFactsRow>(query.sql, [...query.parameters])).rows[0]!;
      return { row, dialect: new PostgresDialect({ serverVersionNum: row.server_version_num }) };
    });
    return this.#facts;
  }

  async close(): Promise<void> {
    await this.admin.close();
    await this.#pool.end();
  }
}

function ignore(): void {
  // The failing query reports the problem.
}

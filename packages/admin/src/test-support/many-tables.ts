import type pg from 'pg';
import { connectAs } from './tenant-fixture.js';

/** Each of `createManyTables`'s tables with what comes with it: the table, its key's index and constraint, its sequence, toast table and index, row types, default. */
export const LOCKS_PER_TABLE = 10;

/**
 * Makes `count` tables (`t00001`, `t00002`, ...; each with a serial key and a
 * text column) in the tenant's schema, as the tenant, through its own
 * connection: one statement, a DO block, as an application's bulk DDL would.
 */
export async function createManyTables(connectionString: string, count: number): Promise<void> {
  const tenant = await connectAs(connectionString);
  try {
    await tenant.query(
      `DO $$ BEGIN FOR i IN 1..${count} LOOP EXECUTE format('CREATE TABLE %I (id serial PRIMARY KEY, body text)', 't' || lpad(i::text, 5, '0')); END LOOP; END $$`,
    );
  } finally {
    await tenant.end();
  }
}

/** The server's shared lock table: max_locks_per_transaction × (max_connections + max_prepared_transactions) slots. */
export async function lockTableSlots(client: pg.Client): Promise<{ maxLocksPerTransaction: number; slots: number }> {
  const { rows } = await client.query<{ per: number; slots: number }>(
    `SELECT current_setting('max_locks_per_transaction')::int AS per,
            current_setting('max_locks_per_transaction')::int * (current_setting('max_connections')::int + current_setting('max_prepared_transactions')::int) AS slots`,
  );
  return { maxLocksPerTransaction: rows[0]!.per, slots: rows[0]!.slots };
}

/** How many tables the schema holds now. */
export async function tableCount(client: pg.Client, schemaName: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
    [schemaName],
  );
  return rows[0]!.n;
}

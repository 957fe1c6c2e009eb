/**
 * The small schema of the fleet phase (two tables, one foreign key, one
 * index) and the pending change it measures: a column and an index on one
 * table. The same DDL text serves the Tenantry migrations (unqualified names,
 * run in the tenant's schema) and the pgbench baseline (schema-qualified).
 */
import type { Migration } from 'kysely';
import { statementMigrations } from '@tenantry/testing';

export const FLEET_SCHEMA: Readonly<Record<string, readonly string[]>> = {
  '001_accounts': [`CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, plan text NOT NULL DEFAULT 'free', created_at timestamptz NOT NULL DEFAULT now())`],
  '002_invoices': [
    `CREATE TABLE invoices (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts (id), amount numeric(12,2) NOT NULL, issued_on date NOT NULL DEFAULT current_date)`,
    `CREATE INDEX invoices_account_id_idx ON invoices (account_id)`,
  ],
};

/** The pending change: `column` (a plain lower-case name) and an index on it, on `accounts` (`table` qualifies it for pgbench). */
export function addColumnStatements(column: string, table = 'accounts'): string[] {
  return [`ALTER TABLE ${table} ADD COLUMN ${column} text`, `CREATE INDEX accounts_${column}_idx ON ${table} (${column})`];
}

/** The fleet's migrations: the small schema, then one add-column migration per name in `added`, in order. */
export function fleetMigrations(added: readonly string[] = []): Record<string, Migration> {
  const pending = added.map((column, index) => [`${String(index + 3).padStart(3, '0')}_add_${column}`, addColumnStatements(column)] as const);
  return statementMigrations({ ...FLEET_SCHEMA, ...Object.fromEntries(pending) });
}

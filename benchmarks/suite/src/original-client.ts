/**
 * Baseline 3: the original implementation's sequence (Cloacina's DatabaseAdmin,
 * issue 6): one round trip per statement inside BEGIN/COMMIT, plaintext password.
 */
import type pg from 'pg';
import type { TenantNames } from './minimal-client.js';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function originalStatements(tenant: TenantNames & { password: string }): string[] {
  const s = ident(tenant.schemaName);
  const u = ident(tenant.username);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE USER ${u} WITH PASSWORD '${tenant.password.replace(/'/g, "''")}'`,
    `GRANT USAGE ON SCHEMA ${s} TO ${u}`,
    `GRANT CREATE ON SCHEMA ${s} TO ${u}`,
    `GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA ${s} TO ${u}`,
    `GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA ${s} TO ${u}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT ALL ON TABLES TO ${u}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT ALL ON SEQUENCES TO ${u}`,
  ];
}

export async function originalCreateTenant(client: pg.ClientBase, tenant: TenantNames & { password: string }): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const statement of originalStatements(tenant)) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

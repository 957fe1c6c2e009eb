import pg from 'pg';
import type { SchemaCatalogSubject } from './schema-catalog-snapshot.js';

/**
 * A schema and role shaped like a Tenantry tenant's, without Tenantry: the
 * schema belongs to the session's user (the admin) and carries a marker
 * comment; the role (NOLOGIN) may use and create in it and has it as its
 * search_path. For tests that build a tenant's contents by hand.
 */
export async function createTenantLikeSchema(superuser: pg.ClientBase, { schemaName, roleName }: SchemaCatalogSubject): Promise<void> {
  const schema = pg.escapeIdentifier(schemaName);
  const role = pg.escapeIdentifier(roleName);
  const marker = `tenantry:${JSON.stringify({ v: 1, role: roleName, createdAt: new Date().toISOString() })}`;
  await superuser.query(`
    CREATE ROLE ${role} NOLOGIN;
    CREATE SCHEMA ${schema};
    COMMENT ON SCHEMA ${schema} IS ${pg.escapeLiteral(marker)};
    GRANT USAGE, CREATE ON SCHEMA ${schema} TO ${role};
    ALTER ROLE ${role} SET search_path = ${schema}`);
}

/** Drops what {@link createTenantLikeSchema} made, and anything the role owns or was granted in this database. */
export async function dropTenantLikeSchema(superuser: pg.ClientBase, { schemaName, roleName }: SchemaCatalogSubject): Promise<void> {
  const role = pg.escapeIdentifier(roleName);
  await superuser.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schemaName)} CASCADE; DROP OWNED BY ${role}; DROP ROLE ${role}`);
}

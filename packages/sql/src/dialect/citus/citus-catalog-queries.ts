import { sql, type CompiledQuery } from 'kysely';
import { compileDdl, compiler } from '../../compile-sql.js';
import type { ServerFactsRow } from '../postgres/postgres-catalog-rows.js';

/** PostgreSQL's server facts, and the Citus node Tenantry is connected to. */
export interface CitusServerFactsRow extends ServerFactsRow {
  /** Tenantry runs on the coordinator: the node that holds the cluster's metadata. */
  is_coordinator: boolean;
  /** Active primary workers. */
  workers: number;
}

/** PostgreSQL's facts query with the Citus node's role around it. */
export function citusServerFactsQuery(postgresFacts: CompiledQuery<ServerFactsRow>): CompiledQuery<CitusServerFactsRow> {
  if (postgresFacts.parameters.length > 0) throw new Error('The server facts query takes no parameters.');
  return sql<CitusServerFactsRow>`
    SELECT f.*, pg_catalog.citus_is_coordinator() AS is_coordinator,
           (SELECT count(*) FROM pg_catalog.pg_dist_node n
             WHERE n.noderole = 'primary' AND n.isactive AND n.groupid <> 0)::int AS workers
    FROM (${sql.raw(postgresFacts.sql)}) f`.compile(compiler);
}

/**
 * For `onEveryWorkerQuery`: `roles,schemas` of one tenant's names on a
 * worker, e.g. `0,0` when both are free there. Literals are written by
 * Tenantry's compiler (they mean the same whatever the worker's settings).
 */
export function namesOnWorkerCommand(schemaName: string, username: string): string {
  return compileDdl(sql`SELECT (SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = ${sql.lit(username)})::text || ',' || (SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = ${sql.lit(schemaName)})::text`);
}

/** For `onEveryWorkerQuery`: the privileges PUBLIC holds on schema `public` there, comma-separated, '' for none. */
export function publicPrivilegesOnWorkerCommand(): string {
  return "SELECT coalesce(string_agg(DISTINCT a.privilege_type, ',' ORDER BY a.privilege_type), '') FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a WHERE n.nspname = 'public' AND a.grantee = 0";
}

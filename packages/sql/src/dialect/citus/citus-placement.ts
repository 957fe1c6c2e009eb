import { sql, type CompiledQuery } from 'kysely';
import { TenantBusyError, ValidationError } from '@tenantry/core';
import { advisoryLockKey } from '../../advisory-lock-key.js';
import { compileDdl, compiler } from '../../compile-sql.js';
import { checkStep, executablePlan, runStep, type ExecutablePlan } from '../../executable-plan.js';
import { Statement } from '../../statement.js';
import type { ServerFacts, TenantPlacement, TenantPlacementInfo } from '../dialect.js';
import { hasRoleGrantOptions, nonSuperuserAdmin } from '../postgres/postgres-dialect-config.js';
import { postgresRoleSwitching } from '../postgres/postgres-role-switching.js';
import { borrowRolePrivilegesStatement } from '../postgres/postgres-tenant-statements.js';
import type { TenantNames } from '../tenant-spec.js';

interface PlacementRow {
  distributed: boolean;
  node: string | null;
}

/** The schema's distribution, and the node of its tables' shards (one: a distributed schema is colocated). */
function placementQuery(schemaName: string): CompiledQuery<PlacementRow> {
  return sql<PlacementRow>`
    WITH s AS (SELECT d.colocationid FROM pg_catalog.pg_dist_schema d JOIN pg_catalog.pg_namespace n ON n.oid = d.schemaid WHERE n.nspname = ${schemaName})
    SELECT EXISTS (SELECT 1 FROM s) AS distributed,
           (SELECT n.nodename || ':' || n.nodeport
              FROM s JOIN pg_catalog.pg_dist_partition p ON p.colocationid = s.colocationid
              JOIN pg_catalog.pg_dist_shard sh ON sh.logicalrelid = p.logicalrelid
              JOIN pg_catalog.pg_dist_placement pl ON pl.shardid = sh.shardid
              JOIN pg_catalog.pg_dist_node n ON n.groupid = pl.groupid
             ORDER BY 1 LIMIT 1) AS node`.compile(compiler);
}

/**
 * Takes the tenant's advisory locks for the session (the same keys create and
 * remove take for their transactions), without waiting: a move runs in
 * several transactions, and holds them across.
 */
function tryLocksQuery(keys: readonly bigint[]): CompiledQuery<{ locked: boolean }> {
  const tries = keys.map((key) => sql`pg_catalog.pg_try_advisory_lock(${sql.lit(key)})`);
  return sql<{ locked: boolean }>`SELECT ${sql.join(tries, sql` AND `)} AS locked`.compile(compiler);
}

/** Whether `host:port` is an active primary worker, as the coordinator records it. */
function workerQuery(to: { host: string; port: number }): CompiledQuery<{ found: boolean }> {
  return sql<{ found: boolean }>`
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_node
                    WHERE nodename = ${to.host} AND nodeport = ${to.port} AND noderole = 'primary' AND isactive AND groupid <> 0) AS found`.compile(compiler);
}

/**
 * Citus's placement of a tenant: a distributed schema lives on one worker,
 * and `citus_schema_move` moves every table in it, blocking the tenant's
 * writes while it copies (`block_writes`). The move is a compensation plan:
 * it commits step by step under the tenant's session-level locks; a
 * least-privilege admin borrows the tenant role's privileges for it (moving a
 * table needs its owner's) and gives them back whatever happens.
 */
export const citusPlacement: TenantPlacement = Object.freeze({
  placementQuery: (schemaName: string): CompiledQuery<unknown> => placementQuery(schemaName),
  readPlacement: (rows: readonly unknown[]): TenantPlacementInfo => {
    const [row] = rows as PlacementRow[];
    return { distributed: row?.distributed ?? false, node: row?.node ?? undefined };
  },
  planMove: (tenant: TenantNames, to: { host: string; port: number }, facts: ServerFacts): ExecutablePlan => {
    const admin = nonSuperuserAdmin(facts);
    const keys = [advisoryLockKey('schema', tenant.schemaName), advisoryLockKey('role', tenant.username)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const unlock = new Statement("release the tenant's locks", compileDdl(sql`SELECT ${sql.join(keys.map((key) => sql`pg_catalog.pg_advisory_unlock(${sql.lit(key)})`))}`));
    const move = new Statement(
      `move every table of schema ${JSON.stringify(tenant.schemaName)} to ${to.host}:${to.port}`,
      compileDdl(
        sql`SELECT pg_catalog.citus_schema_move((SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ${sql.lit(tenant.schemaName)})::pg_catalog.regnamespace, ${sql.lit(to.host)}, ${sql.lit(to.port)}, shard_transfer_mode => 'block_writes')`,
      ),
    );
    // The move copies on the workers in connections of their own, which see
    // only committed grants: a least-privilege admin's borrowed membership
    // must commit first, and is given back in every case.
    const giveBack = admin === undefined ? [] : [new Statement("give the tenant role's privileges back", compileDdl(sql`REVOKE ${sql.id(tenant.username)} FROM ${sql.id(admin)}`))];
    const borrow =
      admin === undefined ? [] : [runStep([borrowRolePrivilegesStatement(tenant.username, admin, hasRoleGrantOptions(facts.versionNum), "take on the tenant role's privileges, which moving its tables needs")], giveBack)];
    return executablePlan(
      'move-tenant',
      'compensation',
      [
        checkStep("take the tenant's locks, or stop if another operation holds them", tryLocksQuery(keys), ([row]) => {
          if (!row?.locked) throw new TenantBusyError({ action: `move tenant "${tenant.schemaName}"`, lockTimeoutMillis: 0 });
        }),
        postgresRoleSwitching.wholeTenantCheck(tenant, facts),
        checkStep('the target is an active worker of the cluster', workerQuery(to), ([row]) => {
          if (!row?.found) {
            throw new ValidationError({ field: 'to', rule: 'unknown-node', message: `${to.host}:${to.port} is not an active worker of this Citus cluster (see pg_dist_node). Nothing was changed.` });
          }
        }),
        ...borrow,
        runStep([move]),
      ],
      [...giveBack, unlock],
    );
  },
});

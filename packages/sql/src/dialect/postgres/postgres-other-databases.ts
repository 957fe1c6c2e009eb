import { sql, type CompiledQuery } from 'kysely';
import type { RemovalBlocker } from '@tenantry/core';
import { compiler } from '../../compile-sql.js';
import { statementsOfSteps, type ExecutablePlan } from '../../executable-plan.js';
import { freezePlan, type Plan } from '../../plan.js';
import type { Statement } from '../../statement.js';
import type { OtherDatabases, ServerFacts } from '../dialect.js';
import { hasRoleGrantOptions, nonSuperuserAdmin } from './postgres-dialect-config.js';
import { dropOwnedElsewhereStatements } from './postgres-drop-owned-elsewhere-statements.js';
import {
  countedBlockers,
  describeRoleDependenciesQuery,
  roleDependenciesElsewhereQuery,
  type RoleDependencyDescriptionRow,
  type RoleDependencyElsewhereRow,
} from './postgres-role-dependency-queries.js';

/** The statements run in `database` (connected there) that drop what the role owns and holds there. */
function dropOwnedIn(username: string, database: string, facts: ServerFacts): Statement[] {
  return dropOwnedElsewhereStatements({ username, database, nonSuperuserAdmin: nonSuperuserAdmin(facts) }, hasRoleGrantOptions(facts.versionNum));
}

/**
 * A PostgreSQL role is cluster-wide: it can own large objects and default
 * privileges, or hold grants, in any database of the cluster. `pg_shdepend`
 * says where; each database describes its own.
 */
export const postgresOtherDatabases: OtherDatabases = Object.freeze({
  dependenciesQuery: (username: string): CompiledQuery<unknown> => roleDependenciesElsewhereQuery(username),
  databasesOf: (rows: readonly unknown[]): string[] => [...new Set((rows as RoleDependencyElsewhereRow[]).map((row) => row.database))],
  countedBlockers: (rows: readonly unknown[]): RemovalBlocker[] => countedBlockers(rows as RoleDependencyElsewhereRow[]),
  describeQuery: (username: string, limit: number): CompiledQuery<unknown> => describeRoleDependenciesQuery(username, limit),
  readDescriptions: (rows: readonly unknown[]) => {
    const described = rows as RoleDependencyDescriptionRow[];
    return described.length === 0 ? undefined : { objects: described.map((row) => row.description), total: described[0]!.total };
  },
  dropOwnedStatements: dropOwnedIn,
  currentDatabaseQuery: (): CompiledQuery<{ database: string }> => sql<{ database: string }>`SELECT pg_catalog.current_database() AS database`.compile(compiler),
  previewRemoval: (plan: ExecutablePlan, username: string, databases: readonly string[], facts: ServerFacts): Plan => {
    if (databases.length === 0) return plan;
    // The remove plan's first step takes the locks; what runs in the other databases comes right after them.
    const [locks, ...rest] = plan.steps;
    return freezePlan('remove-tenant', [
      ...statementsOfSteps(locks ? [locks] : []),
      ...databases.flatMap((database) => dropOwnedIn(username, database, facts)),
      ...statementsOfSteps(rest),
    ]);
  },
});

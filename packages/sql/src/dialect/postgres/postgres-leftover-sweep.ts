import { sql } from 'kysely';
import { TenantNotFoundError, TenantNotManagedError } from '@tenantry/core';
import { compileDdl } from '../../compile-sql.js';
import { checkStep, executablePlan, runStep, type ExecutablePlan } from '../../executable-plan.js';
import { Statement } from '../../statement.js';
import { decodeCredentialMarker, decodeMigratorMarker, decodeRoleMarker, decodeSchemaMarker } from '../../tenant-marker.js';
import type { CatalogReader, LeftoverFinding, LeftoverKind, LeftoverSweep, ServerFacts } from '../dialect.js';
import { hasRoleGrantOptions, nonSuperuserAdmin } from './postgres-dialect-config.js';
import {
  existingNamesQuery,
  leftoverStateQuery,
  markedRolesQuery,
  markedSchemasQuery,
  type ExistingNamesRow,
  type LeftoverStateRow,
  type MarkedRoleRow,
  type MarkedSchemaRow,
} from './postgres-leftover-queries.js';
import { terminateRoleSessionsStatement, SESSION_EXIT_WAIT_MILLIS } from './postgres-session-statements.js';
import { dropCredentialStatements } from './postgres-credential-statements.js';
import { dropMigratorRoleStatements } from './postgres-tenant-role-statements.js';
import { borrowRolePrivilegesStatement, lockStatement, pinSearchPathStatement } from './postgres-tenant-statements.js';

/** What every kind's search reads, once per sweep. */
interface SweepCatalog {
  /** Roles with a Tenantry marker, cluster-wide. */
  readonly roles: readonly MarkedRoleRow[];
  /** Schemas with a Tenantry marker, in this database. */
  readonly schemas: readonly MarkedSchemaRow[];
  /** Which of the names the markers point to exist. */
  readonly existing: ExistingNamesRow;
}

/**
 * One kind of leftover: how to find it in what a sweep read, and the plan
 * that repairs one (each re-checks, under the tenant's locks where it has
 * one, that the finding still holds). A new kind is one more entry in
 * `KIND_SWEEPS`.
 */
interface KindSweep {
  readonly kind: LeftoverKind;
  find(catalog: SweepCatalog, facts: ServerFacts): LeftoverFinding[];
  planRepair?(finding: LeftoverFinding, facts: ServerFacts): ExecutablePlan;
}

/** Migrator (delegate) logins left behind: expired, with no session, so no migration can be using them. */
const migratorRoles: KindSweep = {
  kind: 'migrator-role',
  find: (catalog) =>
    catalog.roles.flatMap((row) => {
      const marker = decodeMigratorMarker(row.role_comment);
      if (!marker || !row.expired || row.has_sessions) return [];
      return [
        {
          kind: 'migrator-role' as const,
          objectKind: 'role' as const,
          objectName: row.username,
          why: `a migrator login of tenant role "${marker.migratorFor}" that expired${row.valid_until instanceof Date ? ` at ${row.valid_until.toISOString()}` : ''} and has no session: a migration ended (a crash, a lost connection) without dropping it`,
          repair: 'DROP OWNED BY it in this database, then DROP ROLE',
        },
      ];
    }),
  planRepair: (finding, facts) =>
    executablePlan('repair-leftover', 'transaction', [
      runStep([pinSearchPathStatement()]),
      checkStep('the migrator login is still an expired leftover with no session', leftoverStateQuery('', finding.objectName), ([state]) => {
        if (!state!.role_exists) throw new TenantNotFoundError({ objectKind: 'role', objectName: finding.objectName });
        if (!decodeMigratorMarker(state!.role_comment) || !state!.expired || state!.has_sessions) {
          throw new TenantNotManagedError({ objectKind: 'role', objectName: finding.objectName, reason: 'it is no longer an expired migrator login without sessions' });
        }
      }),
      runStep(dropMigratorRoleStatements({ migrator: finding.objectName, nonSuperuserAdmin: nonSuperuserAdmin(facts), roleGrantOptions: hasRoleGrantOptions(facts.versionNum) })),
    ]),
};

/** Tenant schemas whose role is gone (dropped behind Tenantry's back). */
const schemasWithoutRole: KindSweep = {
  kind: 'schema-without-role',
  find: (catalog) =>
    catalog.schemas.flatMap((row) => {
      const marker = decodeSchemaMarker(row.schema_comment);
      if (!marker || catalog.existing.roles.includes(marker.role)) return [];
      const empty = row.objects === 0;
      return [
        {
          kind: 'schema-without-role' as const,
          objectKind: 'schema' as const,
          objectName: row.schema_name,
          why:
            `its marker names role "${marker.role}", which does not exist` +
            (empty ? '; the schema is empty' : `; the schema still holds ${row.objects} object(s), so it is left for you: drop it (DROP SCHEMA ... CASCADE) or recreate the role`),
          repair: empty ? 'DROP SCHEMA (empty, so nothing else is dropped)' : undefined,
          tenant: { schemaName: row.schema_name, username: marker.role },
        },
      ];
    }),
  planRepair: (finding) => {
    const tenant = finding.tenant!;
    return executablePlan('repair-leftover', 'transaction', [
      runStep([pinSearchPathStatement(), lockStatement(tenant.schemaName, tenant.username)]),
      checkStep('the schema is still an empty Tenantry schema whose role is gone', leftoverStateQuery(tenant.schemaName, tenant.username), ([state]) => {
        stillSchemaWithoutRole(state!, tenant);
      }),
      runStep([new Statement('drop the empty schema (RESTRICT: nothing in it is dropped)', compileDdl(sql`DROP SCHEMA ${sql.id(tenant.schemaName)} RESTRICT`))]),
    ]);
  },
};

/** Tenant roles of this database whose schema is gone. */
const rolesWithoutSchema: KindSweep = {
  kind: 'role-without-schema',
  find: (catalog, facts) =>
    catalog.roles.flatMap((row) => {
      const marker = decodeRoleMarker(row.role_comment);
      if (!marker || marker.database !== facts.database || catalog.existing.schemas.includes(marker.schema)) return [];
      return [
        {
          kind: 'role-without-schema' as const,
          objectKind: 'role' as const,
          objectName: row.username,
          why: `its marker names schema "${marker.schema}" in this database, which does not exist`,
          repair: 'end its sessions and DROP ROLE (which stops, naming them, if it still owns or holds anything)',
          tenant: { schemaName: marker.schema, username: row.username },
        },
      ];
    }),
  planRepair: (finding, facts) => {
    const tenant = finding.tenant!;
    const admin = nonSuperuserAdmin(facts);
    return executablePlan('repair-leftover', 'transaction', [
      runStep([pinSearchPathStatement(), lockStatement(tenant.schemaName, tenant.username)]),
      checkStep("the role's schema is still gone", leftoverStateQuery(tenant.schemaName, tenant.username), ([state]) => {
        const marker = decodeRoleMarker(state!.role_comment);
        if (!state!.role_exists) throw new TenantNotFoundError({ objectKind: 'role', objectName: tenant.username });
        if (!marker || marker.schema !== tenant.schemaName || marker.database !== facts.database || state!.schema_exists) {
          throw new TenantNotManagedError({ objectKind: 'role', objectName: tenant.username, reason: 'it is no longer a tenant role whose schema is gone' });
        }
      }),
      runStep([
        ...(admin === undefined
          ? []
          : [borrowRolePrivilegesStatement(tenant.username, admin, hasRoleGrantOptions(facts.versionNum), "take on the role's privileges, which ending its sessions needs")]),
        terminateRoleSessionsStatement(tenant.username, "end the role's open sessions", SESSION_EXIT_WAIT_MILLIS),
        new Statement('drop the role (no DROP OWNED: it stops if the role still owns or holds anything)', compileDdl(sql`DROP ROLE ${sql.id(tenant.username)}`)),
      ]),
    ]);
  },
};

/** Tenants whose removal began and did not finish: the repair resumes it (`removeTenant`). */
const removalsUnfinished: KindSweep = {
  kind: 'tenant-removing',
  find: (catalog) =>
    catalog.schemas.flatMap((row) => {
      const marker = decodeSchemaMarker(row.schema_comment);
      if (!marker?.removing || !catalog.existing.roles.includes(marker.role)) return [];
      return [
        {
          kind: 'tenant-removing' as const,
          objectKind: 'schema' as const,
          objectName: row.schema_name,
          why: `its removal began at ${marker.removing.since} (by "${marker.removing.by}") and has not finished; ${row.objects} object(s) are left in the schema`,
          repair: 'resume the removal (removeTenant), dropping the rest of the schema and the role',
          tenant: { schemaName: row.schema_name, username: marker.role },
        },
      ];
    }),
};

/**
 * Drops one credential found by a sweep, as `revokeCredentials` does: the
 * plan's own guard re-checks, under the tenant's locks, that the role is
 * still a credential whose marker names this tenant.
 */
function planDropCredential(finding: LeftoverFinding, facts: ServerFacts): ExecutablePlan {
  const admin = { nonSuperuserAdmin: nonSuperuserAdmin(facts), roleGrantOptions: hasRoleGrantOptions(facts.versionNum) };
  return executablePlan('repair-leftover', 'transaction', [runStep(dropCredentialStatements(finding.tenant!, finding.objectName, admin))]);
}

/** Credentials of this database's tenants past their expiry (`sweepCredentials` drops the same ones). */
const expiredCredentials: KindSweep = {
  kind: 'expired-credential',
  find: (catalog, facts) =>
    catalog.roles.flatMap((row) => {
      const marker = decodeCredentialMarker(row.role_comment);
      if (!marker || marker.database !== facts.database || !row.expired) return [];
      if (!catalog.existing.roles.includes(marker.credentialFor) || !catalog.existing.schemas.includes(marker.schema)) return []; // credential-without-tenant
      return [
        {
          kind: 'expired-credential' as const,
          objectKind: 'role' as const,
          objectName: row.username,
          why: `a credential of tenant "${marker.schema}" that expired${row.valid_until instanceof Date ? ` at ${row.valid_until.toISOString()}` : ''}: it cannot log in, and nothing dropped it yet`,
          repair: 'end its sessions, DROP OWNED BY it in this database, then DROP ROLE (as revokeCredentials)',
          tenant: { schemaName: marker.schema, username: marker.credentialFor },
        },
      ];
    }),
  planRepair: planDropCredential,
};

/** Credentials whose tenant role or schema is gone (dropped behind Tenantry's back: its own removal drops them). */
const credentialsWithoutTenant: KindSweep = {
  kind: 'credential-without-tenant',
  find: (catalog, facts) =>
    catalog.roles.flatMap((row) => {
      const marker = decodeCredentialMarker(row.role_comment);
      if (!marker || marker.database !== facts.database) return [];
      const roleGone = !catalog.existing.roles.includes(marker.credentialFor);
      const schemaGone = !catalog.existing.schemas.includes(marker.schema);
      if (!roleGone && !schemaGone) return [];
      return [
        {
          kind: 'credential-without-tenant' as const,
          objectKind: 'role' as const,
          objectName: row.username,
          why: `a credential whose tenant is gone: ${roleGone ? `role "${marker.credentialFor}"` : ''}${roleGone && schemaGone ? ' and ' : ''}${schemaGone ? `schema "${marker.schema}"` : ''} no longer exist${roleGone && schemaGone ? '' : 's'}`,
          repair: 'end its sessions, DROP OWNED BY it in this database, then DROP ROLE (as revokeCredentials)',
          tenant: { schemaName: marker.schema, username: marker.credentialFor },
        },
      ];
    }),
  planRepair: planDropCredential,
};

/** The kinds a sweep looks for, in the order it reports them. */
const KIND_SWEEPS: readonly KindSweep[] = [removalsUnfinished, migratorRoles, schemasWithoutRole, rolesWithoutSchema, expiredCredentials, credentialsWithoutTenant];

function stillSchemaWithoutRole(state: LeftoverStateRow, tenant: { schemaName: string; username: string }): void {
  if (!state.schema_exists) throw new TenantNotFoundError({ objectKind: 'schema', objectName: tenant.schemaName });
  if (decodeSchemaMarker(state.schema_comment)?.role !== tenant.username || state.role_exists || state.objects > 0) {
    throw new TenantNotManagedError({ objectKind: 'schema', objectName: tenant.schemaName, reason: 'it is no longer an empty Tenantry schema whose role is gone' });
  }
}

/**
 * PostgreSQL's sweep: roles are cluster-wide, so migrator logins are found in
 * the whole cluster; tenants (schemas, and roles whose marker names this
 * database) only in the admin's database. Three catalog queries.
 */
export const postgresLeftoverSweep: LeftoverSweep = Object.freeze({
  kinds: KIND_SWEEPS.map((sweep) => sweep.kind),
  scope: "migrator logins in the whole cluster; tenants (schemas, and tenant and credential roles whose marker names it) in the admin's database only",
  findLeftovers: async (read: CatalogReader, facts: ServerFacts): Promise<LeftoverFinding[]> => {
    const roles = await read(markedRolesQuery());
    const schemas = await read(markedSchemasQuery());
    const credentials = roles.map((row) => decodeCredentialMarker(row.role_comment)).filter((marker) => marker !== undefined);
    const schemaNames = [...roles.map((row) => decodeRoleMarker(row.role_comment)?.schema), ...credentials.map((marker) => marker.schema)].filter((name) => name !== undefined);
    const usernames = [...schemas.map((row) => decodeSchemaMarker(row.schema_comment)?.role), ...credentials.map((marker) => marker.credentialFor)].filter((name) => name !== undefined);
    const [existing] = await read(existingNamesQuery(schemaNames, usernames));
    const catalog: SweepCatalog = { roles, schemas, existing: existing! };
    return KIND_SWEEPS.flatMap((sweep) => sweep.find(catalog, facts));
  },
  planRepair: (finding: LeftoverFinding, facts: ServerFacts): ExecutablePlan | undefined => {
    if (finding.repair === undefined) return undefined;
    return KIND_SWEEPS.find((sweep) => sweep.kind === finding.kind)?.planRepair?.(finding, facts);
  },
});

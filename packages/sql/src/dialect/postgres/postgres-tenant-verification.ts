import { TenantNotFoundError, TenantNotManagedError } from '@tenantry/core';
import { decodeRoleMarker, decodeSchemaMarker, MARKER_PREFIX } from '../../tenant-marker.js';
import type { CatalogReader, TenantVerification, VerificationCheck } from '../dialect.js';
import { tenantVerificationQuery, type ReachableRole, type TenantVerificationRow } from './postgres-verification-queries.js';

/**
 * The isolation report of one managed tenant, read from the catalog (one
 * query; two when the role's name needs JSON escapes in the schema's marker).
 * Every promise Tenantry makes about a tenant is one check; a check that does
 * not hold says what was found. Read-only: nothing is changed or repaired.
 *
 * The privilege checks count every route PostgreSQL counts (grants to the role,
 * to PUBLIC, to roles it inherits from, predefined roles such as
 * `pg_read_all_data`), and the rights of every role it can SET ROLE to,
 * except the superuser attribute, which would make every one of them fail and
 * is reported by `role.not-superuser` and `role.reachable-roles` alone.
 *
 * `role.reachable-roles` follows every chain of memberships from the tenant's
 * role (from PostgreSQL 16, a membership granting none of SET, INHERIT and
 * ADMIN is not followed; see `tenantVerificationQuery`) and fails on any role
 * at the end of one that is a superuser, has CREATEROLE, CREATEDB, REPLICATION
 * or BYPASSRLS, is the admin, carries a Tenantry marker (another tenant, a
 * migrator) or is predefined (`pg_*`): memberships recorded in the marker
 * (`memberOf`) are no exception.
 *
 * @throws TenantNotFoundError when the schema, or the role its marker names, does not exist.
 * @throws TenantNotManagedError when the schema carries no Tenantry marker.
 */
export async function verifyPostgresTenant(read: CatalogReader, schemaName: string, roleGrantOptions: boolean): Promise<TenantVerification> {
  const spec = { schemaName, roleGrantOptions };
  let [row] = await read(tenantVerificationQuery(spec));
  const marker = decodeSchemaMarker(row?.schema_comment);
  if (row && marker && row.role_name !== marker.role) {
    // The query reads the role's name from the marker only when it needs no
    // JSON escapes, and never decides alone: ask again, naming the role.
    [row] = await read(tenantVerificationQuery({ ...spec, username: marker.role }));
  }
  if (!row?.schema_exists) throw new TenantNotFoundError({ objectKind: 'schema', objectName: schemaName });
  if (!marker) throw new TenantNotManagedError({ objectKind: 'schema', objectName: schemaName, reason: 'it carries no Tenantry marker' });
  if (row.role_name === null) throw new TenantNotFoundError({ objectKind: 'role', objectName: marker.role });
  const suspended = decodeRoleMarker(row.role_comment)?.suspended;
  return { schemaName, username: marker.role, checks: buildChecks(row as VerifiedRow, schemaName, marker.role), ...(suspended ? { suspended } : {}) };
}

/** The row once schema and role are known to exist: their columns are not null. */
type VerifiedRow = { [K in keyof TenantVerificationRow]: NonNullable<TenantVerificationRow[K]> } & {
  schema_comment: string | null;
  role_comment: string | null;
  search_path: string | null;
  role_wide_search_path: string | null;
};

/**
 * The checks of one node's verification row (the coordinator's, or a Citus
 * worker's read there): `undefined` when the schema or the role is not on
 * that node at all.
 */
export function verificationChecksOf(row: TenantVerificationRow | undefined, schema: string, role: string): VerificationCheck[] | undefined {
  if (!row?.schema_exists || row.role_name === null) return undefined;
  return buildChecks(row as VerifiedRow, schema, role);
}

function buildChecks(row: VerifiedRow, schema: string, role: string): VerificationCheck[] {
  const checks: VerificationCheck[] = [];
  const check = (id: string, description: string, problem: string | undefined): void => {
    checks.push(problem === undefined ? { id, description, ok: true } : { id, description, ok: false, detail: problem });
  };

  const schemaMarker = decodeSchemaMarker(row.schema_comment);
  const roleMarker = decodeRoleMarker(row.role_comment);
  check(
    'markers.intact',
    `The schema's marker names role "${role}", whose marker points back to schema "${schema}" in database "${row.database}".`,
    schemaMarker?.role !== role
      ? `The schema's marker now names ${schemaMarker ? `role "${schemaMarker.role}"` : 'no role'} (it changed during the check).`
      : !roleMarker
        ? `Role "${role}" carries no Tenantry marker${row.role_comment === null ? '' : ' (its comment was replaced)'}.`
        : roleMarker.schema !== schema || roleMarker.database !== row.database
          ? `Role "${role}"'s marker points to schema "${roleMarker.schema}" in database "${roleMarker.database}".`
          : undefined,
  );

  // A suspended tenant cannot log in on purpose: that is its state, not a broken promise.
  if (roleMarker?.suspended) {
    check(
      'role.can-login',
      `The role cannot log in: the tenant is suspended (since ${roleMarker.suspended.since}, by "${roleMarker.suspended.by}").`,
      row.can_login ? 'The tenant is marked suspended, but its role can log in.' : undefined,
    );
  } else {
    check('role.can-login', 'The role can log in.', row.can_login ? undefined : 'The role is NOLOGIN: the tenant cannot connect.');
  }
  check('role.not-superuser', 'The role is not a superuser.', row.is_superuser ? 'The role is SUPERUSER: it bypasses every privilege check.' : undefined);
  check('role.no-createdb', 'The role cannot create databases.', row.can_create_db ? 'The role has CREATEDB.' : undefined);
  check('role.no-createrole', 'The role cannot create or alter roles.', row.can_create_role ? 'The role has CREATEROLE.' : undefined);
  check('role.no-replication', 'The role cannot start replication.', row.replication ? 'The role has REPLICATION.' : undefined);
  check('role.no-bypassrls', 'The role does not bypass row-level security.', row.bypass_rls ? 'The role has BYPASSRLS.' : undefined);
  // Memberships asked for at creation (`memberOf`) are recorded in the marker and expected.
  const declared = new Set(schemaMarker?.memberOf ?? []);
  const undeclared = row.member_of.filter((other) => !declared.has(other));
  check(
    'role.memberships',
    declared.size > 0
      ? `The role is a member of no role beyond those it was created with (${[...declared].map(quote).join(', ')}).`
      : 'The role is a member of no other role.',
    undeclared.length > 0
      ? `The role is a member of ${list(undeclared.map(quote), undeclared.length)}, and may use what ${undeclared.length > 1 ? 'they' : 'it'} can.`
      : undefined,
  );
  check(
    'role.reachable-roles',
    'No role the tenant can SET ROLE to or inherits from, directly or not, is a superuser, has CREATEROLE, CREATEDB, REPLICATION or BYPASSRLS, is the admin, another tenant\'s or a migrator role, or a predefined pg_ role.',
    row.reachable_offender_count > 0
      ? `The tenant ${list(row.reachable_offenders.map(describeReachable), row.reachable_offender_count, '; ')}.`
      : undefined,
  );
  check(
    'role.search-path',
    `The role's search_path in database "${row.database}" is its schema alone.`,
    row.search_path === row.expected_search_path
      ? undefined
      : row.search_path !== null
        ? `The role's search_path in this database is ${row.search_path}.`
        : `The role has no search_path setting in this database${row.role_wide_search_path === null ? '' : ` (for all databases it is ${row.role_wide_search_path})`}.`,
  );

  check(
    'schema.owner',
    'The schema is owned by the admin side, not by the tenant, so the tenant cannot drop it or rewrite its marker.',
    row.owner_is_tenant
      ? 'The tenant owns its schema.'
      : row.tenant_member_of_owner
        ? `The schema's owner "${row.schema_owner}" is a role the tenant is a member of.`
        : row.owner_is_other_tenant
          ? `The schema is owned by "${row.schema_owner}", another tenant's role.`
          : undefined,
  );
  const missingOwn = ['USAGE', 'CREATE'].filter((privilege) => !row.own_schema_privileges.includes(privilege));
  check(
    'schema.tenant-privileges',
    'The tenant has USAGE and CREATE on its schema.',
    missingOwn.length > 0 ? `The tenant lacks ${missingOwn.join(' and ')} on its schema.` : undefined,
  );
  check(
    'schema.default-privileges',
    'Default privileges give the tenant all rights on tables, sequences, functions and types the admin creates in its schema.',
    row.missing_default_privileges.length > 0
      ? `Missing from the default privileges: ${row.missing_default_privileges.map((kind) => `${kind.missing.join(', ')} on ${kind.objects}`).join('; ')}.`
      : undefined,
  );
  const publicProblems = [
    ...(row.public_privileges_of_tenant.length > 0 ? [`the tenant has ${row.public_privileges_of_tenant.join(' and ')} on schema public`] : []),
    ...(row.public_privileges_of_public.length > 0
      ? [`PUBLIC still holds ${row.public_privileges_of_public.join(' and ')} on schema public (run prepare)`]
      : []),
  ];
  check(
    'schema.no-public-access',
    'The tenant has neither USAGE nor CREATE on schema public, and PUBLIC holds nothing there.',
    publicProblems.length > 0 ? `${capitalize(publicProblems.join('; '))}.` : undefined,
  );
  check(
    'schema.no-other-tenant-access',
    "The tenant has neither USAGE nor CREATE on any other tenant's schema.",
    row.other_tenant_access_count > 0
      ? `The tenant can reach ${row.other_tenant_access_count === 1 ? "another tenant's schema" : `${row.other_tenant_access_count} other tenants' schemas`}: ${list(
          row.other_tenant_access.map((access) => `${quote(access.schema)} (${access.privileges.join(', ')})`),
          row.other_tenant_access_count,
        )}.`
      : undefined,
  );
  check(
    'schema.objects-owned-by-others',
    'Every object in the schema is owned by the tenant or the admin.',
    row.foreign_owned_object_count > 0
      ? `Owned by other roles: ${list(
          row.foreign_owned_objects.map((object) => `${object.object} (owner "${object.owner}")`),
          row.foreign_owned_object_count,
        )}.`
      : undefined,
  );
  check(
    'role.objects-outside-schema',
    'The role owns nothing outside its schema (tables, sequences, functions, types, schemas, large objects, ...).',
    row.objects_outside_schema_count > 0
      ? `The role${row.objects_outside_schema.every((item) => item.owner === role) ? '' : ', or a role it can reach,'} owns ${list(
          row.objects_outside_schema.map((item) => (item.owner === role ? item.object : `${item.object} (owner "${item.owner}")`)),
          row.objects_outside_schema_count,
        )}.`
      : undefined,
  );
  return checks;
}

/** `can SET ROLE to "dba" (through "ops"), which is SUPERUSER`. */
function describeReachable(reachable: ReachableRole): string {
  const how = reachable.setRole ? 'can SET ROLE to' : reachable.inherits ? 'inherits from' : 'can reach';
  const through = reachable.through.length > 0 ? ` (through ${reachable.through.map(quote).join(', ')})` : '';
  return `${how} ${quote(reachable.role)}${through}, which ${offences(reachable).join(' and ')}`;
}

function offences(reachable: ReachableRole): string[] {
  const found: string[] = [];
  // SUPERUSER implies the other attributes: name it alone.
  if (reachable.superuser) found.push('is SUPERUSER');
  const attributes = reachable.superuser ? [] : [
    ...(reachable.createRole ? ['CREATEROLE'] : []),
    ...(reachable.createDb ? ['CREATEDB'] : []),
    ...(reachable.replication ? ['REPLICATION'] : []),
    ...(reachable.bypassRls ? ['BYPASSRLS'] : []),
  ];
  if (attributes.length > 0) found.push(`has ${attributes.join(', ')}`);
  if (reachable.admin) found.push('is the admin role');
  if (reachable.predefined) found.push('is a predefined role');
  if (reachable.marker !== null) {
    const tenant = decodeRoleMarker(reachable.marker);
    const migrated = migratorFor(reachable.marker);
    found.push(
      tenant
        ? `is the role of tenant "${tenant.schema}" in database "${tenant.database}"`
        : migrated !== undefined
          ? `is the Tenantry migrator role of "${migrated}"`
          : 'carries a Tenantry marker',
    );
  }
  return found;
}

/** The tenant role a migrator role's marker (`tenantry:{"v":1,"migratorFor":"..."}`) names. */
function migratorFor(marker: string): string | undefined {
  try {
    const value: unknown = JSON.parse(marker.slice(MARKER_PREFIX.length));
    const role = (value as { migratorFor?: unknown } | null)?.migratorFor;
    return typeof role === 'string' ? role : undefined;
  } catch {
    return undefined;
  }
}

function quote(name: string): string {
  return `"${name}"`;
}

/** `a, b, c` or, when the query returned only a sample, `a, b, c and 7 more`. */
function list(items: readonly string[], total: number, separator = ', '): string {
  const more = total - items.length;
  return more > 0 ? `${items.join(separator)}${separator === ', ' ? ' and' : '; and'} ${more} more` : items.join(separator);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

import {
  generatePassword,
  scramSha256Verifier,
  TenantNotFoundError,
  TenantNotManagedError,
  ValidationError,
  type TenantRef,
} from '@tenantry/core';
import {
  decodeRoleMarker,
  decodeSchemaMarker,
  formatPlan,
  planPrepareDatabase,
  planRemoveTenant,
  planRotatePassword,
  type Plan,
  type PublicSchemaStateRow,
  type TenantStateRow,
} from '@tenantry/sql';
import type { AdminHandle } from './admin-handle.js';

/*
 * Dry runs of remove, init and rotate-password. DatabaseAdmin has no
 * planRemoveTenant(ref), planPrepare(options) or planRotatePassword(ref, options)
 * yet, so these read the facts it reads (server facts, the tenant's state, the
 * rights on public) and call the same @tenantry/sql plan functions with them.
 * When the admin grows those methods, each function here becomes one call.
 */

let placeholder: Promise<string> | undefined;

/**
 * A SCRAM verifier of a throwaway generated password: the statements have
 * exactly the shape of the real ones, and print redacted like them.
 */
export function placeholderVerifier(): Promise<string> {
  placeholder ??= scramSha256Verifier(generatePassword());
  return placeholder;
}

/** The statements `admin.removeTenant(ref)` would run, after the same checks it makes first. */
export async function planRemoveFromCatalog(handle: AdminHandle, ref: TenantRef): Promise<Plan> {
  const facts = await handle.facts();
  const plan = planRemoveTenant(
    { ...ref, nonSuperuserAdmin: facts.row.is_superuser ? undefined : facts.row.admin_role },
    facts.dialect,
  );
  await checkManagedTenant(handle, ref);
  return plan;
}

/** The statements `admin.rotatePassword(ref, options)` would run (the verifier is a placeholder, printed redacted). */
export async function planRotateFromCatalog(
  handle: AdminHandle,
  ref: TenantRef,
  options: { validUntil?: Date | null | undefined; terminateSessions?: boolean },
): Promise<Plan> {
  const facts = await handle.facts();
  const plan = planRotatePassword(
    {
      ...ref,
      passwordVerifier: await placeholderVerifier(),
      validUntil: options.validUntil,
      terminateSessions: options.terminateSessions ?? false,
      nonSuperuserAdmin: facts.row.is_superuser ? undefined : facts.row.admin_role,
    },
    facts.dialect,
  );
  await checkManagedTenant(handle, ref);
  return plan;
}

/** The statements `admin.prepare({ keepPublicFor })` would run now: none when the database is prepared. */
export async function planPrepareFromCatalog(handle: AdminHandle, keepPublicFor: readonly string[]): Promise<Plan> {
  const facts = await handle.facts();
  const keep = [...new Set([facts.row.admin_role, ...keepPublicFor])];
  const query = facts.dialect.publicSchemaStateQuery(keep);
  const state = await handle.read('read the rights on schema public', async (client) =>
    (await client.query<PublicSchemaStateRow>(query.sql, [...query.parameters])).rows[0]!,
  );
  if (state.unknown_roles.length > 0) {
    throw new ValidationError({
      field: 'keepPublicFor',
      rule: 'unknown-role',
      message: `keepPublicFor names roles that do not exist: ${state.unknown_roles.map((role) => `"${role}"`).join(', ')}.`,
    });
  }
  return planPrepareDatabase({ publicPrivileges: state.public_privileges, grantUsageTo: state.roles_missing_usage }, facts.dialect);
}

/** The refusals removeTenant and rotatePassword make before changing anything: not found, not Tenantry's. */
async function checkManagedTenant(handle: AdminHandle, ref: TenantRef): Promise<void> {
  const facts = await handle.facts();
  const query = facts.dialect.tenantStateQuery(ref.schemaName, ref.username);
  const state = await handle.read(`look up tenant "${ref.schemaName}"`, async (client) =>
    (await client.query<TenantStateRow>(query.sql, [...query.parameters])).rows[0]!,
  );
  if (!state.schema_exists) throw new TenantNotFoundError({ objectKind: 'schema', objectName: ref.schemaName });
  if (!state.role_exists) throw new TenantNotFoundError({ objectKind: 'role', objectName: ref.username });
  const schemaMarker = decodeSchemaMarker(state.schema_comment);
  if (!schemaMarker) {
    throw new TenantNotManagedError({ objectKind: 'schema', objectName: ref.schemaName, reason: 'it carries no Tenantry marker' });
  }
  if (schemaMarker.role !== ref.username) {
    throw new TenantNotManagedError({
      objectKind: 'schema',
      objectName: ref.schemaName,
      reason: `it belongs to role "${schemaMarker.role}", not "${ref.username}"`,
    });
  }
  const roleMarker = decodeRoleMarker(state.role_comment);
  if (!roleMarker || roleMarker.schema !== ref.schemaName || roleMarker.database !== facts.row.database) {
    throw new TenantNotManagedError({ objectKind: 'role', objectName: ref.username, reason: 'its marker does not point back to this schema and database' });
  }
}

/** A plan as the one JSON document of a dry run. */
export function planDocument(plan: Plan, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { dryRun: true, action: plan.action, ...extra, statements: plan.statements.map((statement) => statement.toJSON()) };
}

/** A plan as printable SQL, `-- purpose` comments included; a note when it is empty. */
export function planText(plan: Plan, emptyNote: string): string {
  return plan.statements.length === 0 ? `-- ${emptyNote}\n` : `${formatPlan(plan)}\n`;
}

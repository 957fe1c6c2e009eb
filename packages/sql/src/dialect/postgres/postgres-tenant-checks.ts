import { PermissionError, TenantNotFoundError, TenantNotManagedError } from '@tenantry/core';
import { decodeRoleMarker, decodeSchemaMarker } from '../../tenant-marker.js';
import type { TenantStateRow } from './postgres-catalog-rows.js';

/**
 * Refuses anything that is not a whole tenant created by Tenantry in this
 * database. `database` absent (an offline plan) skips only the check that the
 * role's marker names this database. A tenant whose removal began is refused
 * too, unless `removing` is `'allowed'` (removal itself, which resumes it).
 */
export function checkManagedTenant(
  state: TenantStateRow,
  tenant: { schemaName: string; username: string; database?: string | undefined },
  options: { removing: 'allowed' | 'refused' } = { removing: 'refused' },
): void {
  if (!state.schema_exists) throw new TenantNotFoundError({ objectKind: 'schema', objectName: tenant.schemaName });
  if (!state.role_exists) throw new TenantNotFoundError({ objectKind: 'role', objectName: tenant.username });
  const schemaMarker = decodeSchemaMarker(state.schema_comment);
  if (!schemaMarker) {
    throw new TenantNotManagedError({ objectKind: 'schema', objectName: tenant.schemaName, reason: 'it carries no Tenantry marker' });
  }
  if (schemaMarker.role !== tenant.username) {
    throw new TenantNotManagedError({
      objectKind: 'schema',
      objectName: tenant.schemaName,
      reason: `it belongs to role "${schemaMarker.role}", not "${tenant.username}"`,
    });
  }
  if (schemaMarker.removing && options.removing === 'refused') {
    throw new TenantNotManagedError({
      objectKind: 'schema',
      objectName: tenant.schemaName,
      reason: `its removal began at ${schemaMarker.removing.since} (by "${schemaMarker.removing.by}") and has not finished: removeTenant resumes it`,
    });
  }
  const roleMarker = decodeRoleMarker(state.role_comment);
  if (!roleMarker || roleMarker.schema !== tenant.schemaName || (tenant.database !== undefined && roleMarker.database !== tenant.database)) {
    throw new TenantNotManagedError({
      objectKind: 'role',
      objectName: tenant.username,
      reason: roleMarker ? `its marker points to schema "${roleMarker.schema}" in database "${roleMarker.database}"` : 'it carries no Tenantry marker',
    });
  }
}

/** Names the privilege a remove would fail on, before anything is dropped. */
export function checkCanRemove(state: TenantStateRow, tenant: { schemaName: string; username: string; adminRole: string }): void {
  checkAdminMayAlter(state, tenant, 'remove');
}

/**
 * Removing and renaming a tenant need the same rights: ownership of its
 * schema, and the right to alter its role. Names what the admin lacks.
 */
export function checkAdminMayAlter(state: TenantStateRow, tenant: { schemaName: string; username: string; adminRole: string }, action: 'remove' | 'rename'): void {
  const missing = [
    ...(state.can_drop_schema ? [] : [`ownership of schema "${tenant.schemaName}"`]),
    ...(state.can_drop_role ? [] : [`ADMIN OPTION on role "${tenant.username}" (PostgreSQL 16+; CREATEROLE before)`]),
  ];
  if (missing.length > 0) {
    const Action = action === 'remove' ? 'Remove' : 'Rename';
    throw new PermissionError({
      privilege: missing.join(' and '),
      message: `Cannot ${action} tenant "${tenant.schemaName}": the admin role "${tenant.adminRole}" lacks ${missing.join(' and ')}. ${Action} it as the admin that created it, or as a superuser. Nothing was changed.`,
    });
  }
}

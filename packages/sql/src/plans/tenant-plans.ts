import { isScramSha256Verifier, validateCreationOptions, validateRoleName, validateSchemaName, ValidationError } from '@tenantry/core';
import type { Plan } from '../plan.js';
import type { ExecutablePlan } from '../executable-plan.js';
import { PostgresDialect } from '../dialect/postgres/postgres-dialect.js';
import type { TenantryDialect } from '../dialect/tenantry-dialect.js';
import { MAX_PAGE_SIZE, type CreateTenantSpec, type ListTenantsSpec, type PrepareDatabaseSpec, type RemoveTenantSpec, type RotatePasswordSpec } from './plan-specs.js';

const defaultDialect = new PostgresDialect();

/**
 * The statements `createTenant` runs, in order. Names are validated; the
 * password must already be a SCRAM verifier, so no plaintext can reach SQL.
 *
 * ```ts
 * const plan = planCreateTenant({
 *   schemaName: 'tenant_acme', username: 'acme_user', database: 'app',
 *   passwordVerifier: await scramSha256Verifier(password),
 * });
 * console.log(formatPlan(plan)); // verifier redacted
 * ```
 *
 * The generated SQL (PostgreSQL), in part:
 * ```sql
 * CREATE ROLE "acme_user" WITH LOGIN NOSUPERUSER ... PASSWORD '[redacted SCRAM-SHA-256 verifier]';
 * CREATE SCHEMA "tenant_acme";
 * GRANT USAGE, CREATE ON SCHEMA "tenant_acme" TO "acme_user";
 * ```
 */
export function planCreateTenant(spec: CreateTenantSpec, dialect: TenantryDialect = defaultDialect): Plan {
  validateSchemaName(spec.schemaName);
  validateRoleName(spec.username);
  validateSchemaName(spec.database, 'database');
  // The plan trusts no caller: setting names are spliced as identifiers, so check them again.
  validateCreationOptions(spec);
  requireVerifier(spec.passwordVerifier);
  return dialect.planCreateTenant(spec);
}

/** The statements `rotatePassword` runs once it has checked the tenant is Tenantry's. */
export function planRotatePassword(spec: RotatePasswordSpec, dialect: TenantryDialect = defaultDialect): ExecutablePlan {
  validateSchemaName(spec.schemaName);
  validateRoleName(spec.username);
  requireVerifier(spec.passwordVerifier);
  if (spec.nonSuperuserAdmin !== undefined) validateExistingRoleName(spec.nonSuperuserAdmin, 'nonSuperuserAdmin');
  if (spec.database !== undefined) validateSchemaName(spec.database, 'database');
  if (spec.validUntil && !Number.isFinite(spec.validUntil.getTime())) {
    throw new ValidationError({ field: 'validUntil', rule: 'type', message: 'validUntil must be a valid Date, null, or absent.' });
  }
  return dialect.planRotatePassword(spec);
}

function requireVerifier(value: string): void {
  if (!isScramSha256Verifier(value)) {
    throw new ValidationError({
      field: 'passwordVerifier',
      rule: 'type',
      message: 'passwordVerifier must be a SCRAM-SHA-256 verifier (see scramSha256Verifier); plaintext passwords are refused.',
    });
  }
}

/** The statements `removeTenant` runs once it has checked the tenant is Tenantry's. */
export function planRemoveTenant(spec: RemoveTenantSpec, dialect: TenantryDialect = defaultDialect): ExecutablePlan {
  validateSchemaName(spec.schemaName);
  validateRoleName(spec.username);
  if (spec.nonSuperuserAdmin !== undefined) validateExistingRoleName(spec.nonSuperuserAdmin, 'nonSuperuserAdmin');
  if (spec.database !== undefined) validateSchemaName(spec.database, 'database');
  return dialect.planRemoveTenant(spec);
}

/** The statements `prepare` runs for the state it found; empty when nothing needs changing. */
export function planPrepareDatabase(spec: PrepareDatabaseSpec, dialect: TenantryDialect = defaultDialect): ExecutablePlan {
  for (const role of spec.grantUsageTo) validateExistingRoleName(role, 'keepPublicFor');
  return dialect.planPrepareDatabase(spec);
}

/** The catalog query for one page of managed tenants. */
export function planListTenants(spec: ListTenantsSpec = {}, dialect: TenantryDialect = defaultDialect) {
  const limit = spec.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ValidationError({
      field: 'limit',
      rule: 'out-of-range',
      message: `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${String(spec.limit)}.`,
    });
  }
  return dialect.listTenantsQuery({ limit, after: spec.after });
}

function validateExistingRoleName(role: string, field: string): void {
  // Existing roles (the admin, application roles): any legal name, reserved or not.
  if (typeof role !== 'string' || role.length === 0 || Buffer.byteLength(role) > 63 || role.includes('\0')) {
    throw new ValidationError({ field, rule: 'type', message: `${field} must be role names of 1 to 63 bytes.` });
  }
}

export { Statement } from './statement.js';
export { type Plan, type PlanAction, freezePlan, formatPlan, planToScript } from './plan.js';
export { compiler, compileDdl } from './compile-sql.js';
export { advisoryLockKey } from './advisory-lock-key.js';
export {
  MARKER_PREFIX,
  MARKER_VERSION,
  encodeMarker,
  decodeSchemaMarker,
  decodeRoleMarker,
  type SchemaMarker,
  type RoleMarker,
} from './tenant-marker.js';
export type {
  TenantryDialect,
  DialectCapabilities,
  ServerFactsRow,
  PublicSchemaStateRow,
  TenantStateRow,
  ManagedSchemaRow,
  SchemaRow,
  RoleDetailsRow,
  RoleCommentRow,
} from './dialect/tenantry-dialect.js';
export { PostgresDialect } from './dialect/postgres/postgres-dialect.js';
export { type PostgresDialectConfig, SUPPORTED_POSTGRES_MAJORS } from './dialect/postgres/postgres-dialect-config.js';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './dialect/postgres/postgres-catalog-queries.js';
export { pinSearchPathStatement, REMOVE_PLAN_PRELUDE_LENGTH } from './dialect/postgres/postgres-tenant-statements.js';
export {
  type CreateTenantSpec,
  type RemoveTenantSpec,
  type PrepareDatabaseSpec,
  type ListTenantsSpec,
  type RotatePasswordSpec,
  NOT_PREPARED_SQLSTATE,
  SCHEMA_SHADOWS_ROLE_SQLSTATE,
  UNSAFE_ROLE_GRANT_SQLSTATE,
  PRIVILEGED_SETTING_SQLSTATE,
} from './plans/plan-specs.js';
export { planCreateTenant, planRemoveTenant, planPrepareDatabase, planListTenants, planRotatePassword } from './plans/tenant-plans.js';
export { ROTATE_PLAN_PRELUDE_LENGTH } from './dialect/postgres/postgres-rotate-statements.js';
export { lockTenantStatement, canSetRoleQuery, grantSetRoleStatement, revokeSetRoleStatement, enterTenantStatements, leaveTenantStatements, createMigratorRoleStatements, dropMigratorRoleStatements, type RoleSwitchStateRow } from './dialect/postgres/postgres-tenant-role-statements.js';
export { tenantVerificationQuery, VERIFICATION_SAMPLE_SIZE, type TenantVerificationRow, type TenantVerificationSpec, type SchemaAccess, type ForeignOwnedObject, type ObjectOutsideSchema, type ReachableRole, type MissingDefaultPrivileges } from './dialect/postgres/postgres-verification-queries.js';
export { terminateRoleSessionsStatement, SESSION_EXIT_WAIT_MILLIS } from './dialect/postgres/postgres-session-statements.js';
export { roleDependenciesElsewhereQuery, describeRoleDependenciesQuery, type RoleDependencyElsewhereRow, type RoleDependencyDescriptionRow } from './dialect/postgres/postgres-role-dependency-queries.js';
export { dropOwnedElsewhereStatements, type DropOwnedElsewhereSpec } from './dialect/postgres/postgres-drop-owned-elsewhere-statements.js';
export { type ExecutablePlan, type PlanStep, type RunStep, type CheckStep, runStep, checkStep, executablePlan } from './executable-plan.js';

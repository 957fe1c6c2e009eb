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
export {
  type CreateTenantSpec,
  type RemoveTenantSpec,
  type PrepareDatabaseSpec,
  type ListTenantsSpec,
  type RotatePasswordSpec,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
} from './plans/plan-specs.js';
export { planCreateTenant, planRemoveTenant, planPrepareDatabase, planListTenants, planRotatePassword } from './plans/tenant-plans.js';
export { type ExecutablePlan, type PlanStep, type RunStep, type CheckStep, runStep, checkStep, executablePlan } from './executable-plan.js';
export { createDialect, dialectNameForUrl, seamDialectForUrl, type DialectName, type DialectServer, type MysqlFamilyOptions } from './dialect/dialect-registry.js';
export type { ErrorContext, ServerFacts, NameRules, DialectClient, AdminConnectionParts, TenantRecord, TenantryDialect as SeamDialect } from './dialect/dialect.js';

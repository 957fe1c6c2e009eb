/**
 * @tenantry/sql: the dialect seam and what every dialect shares (statements,
 * plans that describe their own execution, the parsed tenant spec). What one
 * dialect knows lives under its subpath: `@tenantry/sql/postgres`,
 * `@tenantry/sql/mysql`.
 */
export { Statement } from './statement.js';
export { type Plan, type PlanAction, freezePlan, formatPlan, planToScript } from './plan.js';
export { type ExecutablePlan, type PlanStep, type RunStep, type CheckStep, type RemoteStep, runStep, checkStep, plainCheckStep, remoteStep, executablePlan, statementsOfSteps } from './executable-plan.js';
export type { MigrationLedger, SuspensionMark } from './tenant-marker.js';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, validatePageLimit } from './page-size.js';
export { parseTenantNames, parseTenantSpec, type TenantNames, type TenantSpec, type NameRules, type CreationOptionName, type TenantInputRules } from './dialect/tenant-spec.js';
export { createDialect, dialectNameForUrl, dialectForUrl, dialectForServer, type DialectName, type DialectOptions, type MysqlFamilyOptions } from './dialect/dialect-registry.js';
export type {
  TenantryDialect,
  DialectClient,
  CatalogReader,
  ServerFacts,
  ErrorContext,
  AdminConnectionParts,
  TenantRecord,
  TenantLoginDetails,
  TenantRecordPage,
  VerificationCheck,
  TenantVerification,
  PreparePlan,
  ServerConnectionFacts,
  PrepareSpec,
  CreateTenantPlanSpec,
  RemoveTenantPlanSpec,
  RotatePasswordPlanSpec,
  TransactionalSessions,
  RoleSwitching,
  RoleSwitchState,
  OtherDatabases,
  TenantPlacement,
  TenantPlacementInfo,
  TenantCredentialPlans,
  CredentialRecord,
  IssueCredentialPlanSpec,
  TenantSuspension,
  StagedRemoval,
  RenameTenantPlanSpec,
  TenantRenaming,
  LeftoverKind,
  LeftoverFinding,
  LeftoverSweep,
} from './dialect/dialect.js';

export { DatabaseAdmin } from './database-admin.js';
export type { AdminConnection } from './drivers/pg-connection-source.js';
export type {
  DatabaseAdminOptions,
  CreateTenantOptions,
  CreateTenantsOptions,
  TenantCreationResult,
  BulkProgress,
  RotatePasswordOptions,
  MigrateTenantsOptions,
  TenantMigrationOutcome,
  PlanMigrateTenantsOptions,
  TenantMigrationPlan,
  VerificationReport,
  VerificationCheck,
  PrepareOptions,
  PrepareReport,
  TenantInfo,
  TenantDetails,
  TenantSuspensionInfo,
  IssueCredentialsOptions,
  CredentialInfo,
  SweptCredential,
  MoveTenantOptions,
  TenantPage,
  ServerInfo,
  RenamedTenant,
} from './database-admin-options.js';
export type { RenameTenantTo } from './rename-tenant.js';
export type { DoctorOptions, DoctorReport, DoctorFinding } from './doctor.js';
export type { RemoveTenantOptions } from './remove-tenant.js';
export type { ConnectionBudget, ConnectionBudgetOptions } from './connection-budget.js';
export { MigrationsStoppedError, type MigrationsStopReason } from './migrations-stopped-error.js';
export type { AdminLogLevel, AdminLogOption, TenantEvent, TenantEventType } from './tenant-lifecycle-log.js';
export { BulkAbortedError, type AbortableBulkCall } from './bulk-aborted-error.js';
export type { MigrationStatus, MigrationPosition } from './migration-status.js';
export { sqlFolderMigrations, type SqlFolderMigrationsOptions } from './sql-folder-migrations.js';
export { sqlMigrationLayoutOf, type SqlMigrationLayout } from './sql-migration-folder.js';
// Re-exported so that one import gives the whole seed API.
export {
  TenantCredentials,
  IssuedCredentials,
  type TenantMigrationsRun,
  generatePassword,
  TenantryError,
  ValidationError,
  TenantAlreadyExistsError,
  TenantNotFoundError,
  TenantNotManagedError,
  TenantRemovalBlockedError,
  PermissionError,
  ConnectionError,
  DatabaseNotPreparedError,
  DatabaseError,
  type TenantConfig,
  type TenantRef,
  type RemovalBlocker,
  type TenantConnectionOptions,
} from '@tenantry/core';

/**
 * @tenantry/sql/postgres: the PostgreSQL dialect (14 to 18) and its parts. The
 * package root holds the public API; what a dialect knows lives here.
 */
export { PostgresDialect } from './postgres-dialect.js';
export { type PostgresDialectConfig, SUPPORTED_POSTGRES_MAJORS } from './postgres-dialect-config.js';
export { pinSearchPathStatement, REMOVABLE_TENANT_CHECK, NOTHING_ELSEWHERE_CHECK } from './postgres-tenant-statements.js';
export { lockTenantStatement, canSetRoleQuery, grantSetRoleStatement, revokeSetRoleStatement, enterTenantStatements, leaveTenantStatements, createMigratorRoleStatements, dropMigratorRoleStatements, type RoleSwitchStateRow } from './postgres-tenant-role-statements.js';
export { tenantVerificationQuery, VERIFICATION_SAMPLE_SIZE, type TenantVerificationRow, type TenantVerificationSpec, type SchemaAccess, type ForeignOwnedObject, type ObjectOutsideSchema, type ReachableRole, type MissingDefaultPrivileges } from './postgres-verification-queries.js';
export { terminateRoleSessionsStatement, SESSION_EXIT_WAIT_MILLIS } from './postgres-session-statements.js';
export { roleDependenciesElsewhereQuery, describeRoleDependenciesQuery, countedBlockers, type RoleDependencyElsewhereRow, type RoleDependencyDescriptionRow } from './postgres-role-dependency-queries.js';
export { dropOwnedElsewhereStatements, type DropOwnedElsewhereSpec } from './postgres-drop-owned-elsewhere-statements.js';
export { checkManagedTenant, checkCanRemove } from './postgres-tenant-checks.js';
export { NOT_PREPARED_SQLSTATE, SCHEMA_SHADOWS_ROLE_SQLSTATE, UNSAFE_ROLE_GRANT_SQLSTATE, PRIVILEGED_SETTING_SQLSTATE } from '../../plans/plan-specs.js';
export { mapPostgresError, toDatabaseError } from './postgres-error-mapping.js';

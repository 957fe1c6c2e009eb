/**
 * @tenantry/sql/postgres: the PostgreSQL dialect (14 to 18) and its parts. The
 * package root holds the public API; what a dialect knows lives here, for
 * golden tests of its SQL and for readers of its design.
 */
export { PostgresDialect } from './postgres-dialect.js';
export { SUPPORTED_POSTGRES_MAJORS, hasRoleGrantOptions, publicSchemaLockedByDefault } from './postgres-dialect-config.js';
export { compiler, compileDdl } from '../../compile-sql.js';
export { advisoryLockKey } from '../../advisory-lock-key.js';
export { MARKER_PREFIX, MARKER_VERSION, encodeMarker, decodeSchemaMarker, decodeRoleMarker, decodeMigratorMarker, rewriteMarker, type SchemaMarker, type RoleMarker, type RemovalMark } from '../../tenant-marker.js';
export { STILL_REMOVING_CHECK } from './postgres-staged-removal.js';
export { checkFitsOneTransaction } from './postgres-removal-fit-check.js';
export { removalCheckStep, type RemovalCheckOptions } from './postgres-removal-check.js';
export { checkManagedTenant, checkCanRemove } from './postgres-tenant-checks.js';
export { removalSizeQuery, removalBatchQuery, type RemovalSizeRow, type RemovalBatchRow } from './postgres-removal-size-queries.js';
export { pinSearchPathStatement, REMOVABLE_TENANT_CHECK, NOTHING_ELSEWHERE_CHECK, REDACTED_VERIFIER } from './postgres-tenant-statements.js';
export { lockTenantStatement, canSetRoleQuery, grantSetRoleStatement, revokeSetRoleStatement, enterTenantStatements, leaveTenantStatements, createMigratorRoleStatements, dropMigratorRoleStatements } from './postgres-tenant-role-statements.js';
export { tenantVerificationQuery, VERIFICATION_SAMPLE_SIZE, type TenantVerificationRow, type TenantVerificationSpec } from './postgres-verification-queries.js';
export { terminateRoleSessionsStatement, SESSION_EXIT_WAIT_MILLIS } from './postgres-session-statements.js';
export { roleDependenciesElsewhereQuery, describeRoleDependenciesQuery, countedBlockers, type RoleDependencyElsewhereRow, type RoleDependencyDescriptionRow } from './postgres-role-dependency-queries.js';
export { dropOwnedElsewhereStatements, type DropOwnedElsewhereSpec } from './postgres-drop-owned-elsewhere-statements.js';
export { NOT_PREPARED_SQLSTATE, SCHEMA_SHADOWS_ROLE_SQLSTATE, UNSAFE_ROLE_GRANT_SQLSTATE, PRIVILEGED_SETTING_SQLSTATE, REMOVAL_NEEDS_STAGES_SQLSTATE } from './postgres-plan-specs.js';
export { mapPostgresError, toDatabaseError } from './postgres-error-mapping.js';
export type { ServerFactsRow, TenantStateRow } from './postgres-catalog-rows.js';
export { tenantStateQuery } from './postgres-catalog-queries.js';
export { DEFAULT_POOLER_AUTH_SCHEMA, POOLER_AUTH_FUNCTION, poolerAuthQuery, poolerAuthStatements, poolerAuthStateQuery, type PoolerAuthSpec } from './postgres-pooler-auth.js';

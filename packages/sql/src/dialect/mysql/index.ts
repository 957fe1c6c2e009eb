export { MysqlDialect } from './mysql-dialect.js';
export {
  type MysqlDialectConfig,
  type MysqlFlavor,
  MYSQL_REGISTRY_TABLE,
  DEFAULT_MYSQL_REGISTRY_DATABASE,
  DEFAULT_MYSQL_LOCK_TIMEOUT_MILLIS,
} from './mysql-dialect-config.js';
export { MysqlNameRules, MAX_MYSQL_DATABASE_NAME, MAX_MYSQL_USERNAME, MAX_MYSQL_HOST, RESERVED_MYSQL_DATABASES, RESERVED_MYSQL_USERNAMES } from './mysql-name-rules.js';
export { ModeProofMysqlQueryCompiler, mysqlCompiler, compileMysqlDdl } from './mysql-query-compiler.js';
export { escapeGrantDatabase } from './mysql-identifiers.js';
export {
  mysqlNativePasswordHash,
  cachingSha2PasswordHash,
  cachingSha2Salt,
  mysqlPasswordSecret,
  MYSQL_NATIVE_HASH,
  CACHING_SHA2_HASH,
} from './mysql-password-secret.js';
export { sha256CryptHash } from './sha256-crypt.js';
export { mapMysqlError, scrubMysqlMessage } from './mysql-error-mapping.js';
export { mysqlTenantConnectionString, mysqlServerAddress, type MysqlServerAddress } from './mysql-connection-string.js';
export { tenantLockNames } from './mysql-lock-names.js';
export { type MysqlTenantState } from './mysql-registry.js';
export {
  type MysqlCreateTenantSpec,
  type MysqlRemoveTenantSpec,
  type MysqlRotatePasswordSpec,
} from './mysql-tenant-plans.js';
export {
  type MysqlTenantRow,
  type MysqlVerificationRow,
  type MysqlCreateStateRow,
  type MysqlManagedStateRow,
  type MysqlServerFactsRow,
} from './mysql-catalog-queries.js';

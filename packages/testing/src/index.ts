export { withDatabase } from './database-url.js';
export { withClient } from './with-client.js';
export { startEmbeddedServer, type EmbeddedServer, type EmbeddedServerOptions } from './embedded-server.js';
export { findFreePort } from './free-port.js';
export { acceptsTcpConnections } from './tcp-listening.js';
export {
  DEFAULT_POSTGRES_MAJOR,
  POSTGRES_MAJORS,
  isPostgresMajor,
  majorOfVersionNum,
  resolvePostgresMajor,
  type PostgresMajor,
} from './postgres-major.js';
export { createScratchDatabase, type ScratchDatabase } from './scratch-database.js';
export { queryServerVersionNum } from './server-version.js';
export { startTestServer, type TestServer, type TestServerOptions } from './test-server.js';
export { uniqueName } from './unique-name.js';
// Re-exported so that importing this package also types vitest's inject().
export type { TenantryProvidedContext } from './vitest-context.js';
export { serverChecksPasswords } from './password-check.js';
export { enableServerTls, type ServerTls } from './server-tls.js';
export { historySpySql, spyWitnesses, type HistorySpyOptions } from './history-spy.js';
// The MariaDB/MySQL lane.
export {
  MACHINE_MARIADB_URL,
  MARIADB_SOURCE_ENV,
  TEST_MYSQL_URL_ENV,
  describeUnavailableMariadbLane,
  mariadbSource,
  startMariadbTestServer,
  type MariadbLane,
  type MariadbServerKind,
  type MariadbSource,
  type MariadbTestServer,
  type StartMariadbTestServerOptions,
} from './mariadb-test-server.js';
export { MARIADBD_ENV, findMariadbBinaries, type MariadbBinaries } from './mariadb-binaries.js';
export { createMariadbScratch, newMariadbRunPrefix, type MariadbScratch, type MariadbScratchOptions } from './mariadb-scratch.js';
export { MARIADB_CATALOG_TABLES, mariadbAdminGrants, type MariadbAdminLane } from './mariadb-admin-grants.js';
export { dropMariadbObjectsWithPrefix, type MariadbCleanupReport } from './mariadb-cleanup.js';
export { formatMysqlUrl, isMysqlUrl, parseMysqlUrl, withMysqlCredentials, type MysqlUrlParts } from './mysql-url.js';
export { escapeMysqlGrantDatabase, quoteMysqlIdentifier } from './mysql-identifier.js';
export { mysqlNativePasswordHash } from './mysql-native-password.js';
export { queryRows, withMysqlConnection, type MysqlConnection } from './with-mysql-connection.js';
export type { TenantryMysqlProvidedContext } from './mariadb-vitest-context.js';
// The Citus lane: a throwaway coordinator and two workers.
export { startCitusCluster, type CitusCluster, type CitusClusterOptions, type CitusNode, type CitusWorker } from './citus-cluster.js';
export { CITUS_PG_BIN_ENV, findCitusBinaries, type CitusBinaries } from './citus-binaries.js';
export { CITUS_NODE_CERTIFICATE_CN, type CertificateFiles } from './citus-certificates.js';
export { describeUnavailableCitusLane, startCitusLane, type CitusLane } from './citus-lane.js';
export type { TenantryCitusProvidedContext } from './citus-vitest-context.js';
export { REALISTIC_SCHEMA_TABLES, realisticSchemaMigrations, realisticSchemaStatements } from './realistic-schema.js';
export { statementMigrations } from './statement-migrations.js';
export {
  PGBOUNCER_BIN_ENV,
  PGBOUNCER_REQUIRED_ENV,
  describeUnavailablePgbouncerLane,
  findPgbouncer,
  pgbouncerLaneForTests,
  pgbouncerLaneRequired,
  startPgbouncer,
  type PgbouncerLane,
  type PgbouncerOptions,
  type RunningPgbouncer,
} from './pgbouncer.js';

/** Which server of the MySQL family the dialect writes for. */
export type MysqlFlavor = 'mariadb' | 'mysql';

/** Options of {@link MysqlDialect}. */
export interface MysqlDialectConfig {
  /**
   * `mariadb` (10.5+, proven live on 10.11) or `mysql` (8.0+, generated SQL
   * golden-tested only: MySQL 8 could not be run where this was written).
   * Default `mariadb`.
   */
  readonly flavor?: MysqlFlavor;
  /** Host part of every tenant account (`'user'@'<host>'`). Default `%`. */
  readonly tenantHost?: string;
  /** The database holding Tenantry's registry table (admin-only). Default `tenantry`. */
  readonly registryDatabase?: string;
  /**
   * How long a step waits for a named lock (GET_LOCK) or a metadata lock
   * (`lock_wait_timeout`) before failing with `TenantBusyError`. Default 10,000 ms.
   */
  readonly lockTimeoutMillis?: number;
}

/** The registry table inside {@link MysqlDialectConfig.registryDatabase}. */
export const MYSQL_REGISTRY_TABLE = 'tenants';

/** Default of {@link MysqlDialectConfig.registryDatabase}. */
export const DEFAULT_MYSQL_REGISTRY_DATABASE = 'tenantry';

/** Default of {@link MysqlDialectConfig.lockTimeoutMillis}. */
export const DEFAULT_MYSQL_LOCK_TIMEOUT_MILLIS = 10_000;

import { afterAll, beforeAll, inject } from 'vitest';
import { generatePassword, type TenantryError } from '@tenantry/core';
import { parseTenantNames, parseTenantSpec, type ExecutablePlan } from '@tenantry/sql';
import { MysqlDialect } from '@tenantry/sql/mysql';
import { createMariadbScratch, parseMysqlUrl, withMysqlConnection, queryRows, type MariadbAdminLane, type MariadbScratch, type MysqlConnection } from '@tenantry/testing';
import type {} from '@tenantry/testing/mariadb-vitest-context';
import { Mysql2DriverConnection } from '../drivers/mysql2-driver.js';
import type { DriverConnection } from '../executor/driver-connection.js';
import { executePlan } from '../executor/execute-plan.js';

/** What a test gets back from {@link MariadbFixture.createTenant}. */
export interface MariadbTenant {
  schemaName: string;
  username: string;
  password: string;
  connectionString: string;
}

/**
 * One test file's MariaDB world: a scratch prefix, the lane's admin, the
 * dialect on a registry under the prefix, and a small orchestrator (connect,
 * plan, execute, map the error) standing in for DatabaseAdmin's until the
 * lead wires the dialect in.
 */
export interface MariadbFixture {
  scratch: MariadbScratch;
  dialect: MysqlDialect;
  rootUrl: string;
  lane: MariadbAdminLane;
  /** A new connection as the lane's admin. */
  connectAdmin(): Promise<Mysql2DriverConnection>;
  /** Runs a plan on `connection` (default: a new admin connection), mapping errors like the orchestrator will. */
  run(plan: ExecutablePlan, action: string, names?: { schemaName?: string; username?: string }, connection?: DriverConnection): Promise<void>;
  createTenant(schemaName: string, username: string, connection?: DriverConnection): Promise<MariadbTenant>;
  removeTenant(schemaName: string, username: string): Promise<void>;
  rotatePassword(schemaName: string, username: string, options?: { terminateSessions?: boolean }): Promise<string>;
  listedSchemas(): Promise<string[]>;
  /** Runs `work` as root (the lane's server account). */
  asRoot<T>(work: (c: MysqlConnection) => Promise<T>): Promise<T>;
}

export function currentMariadbLane(): MariadbAdminLane {
  const lane = process.env['TENANTRY_ADMIN_LANE'] ?? 'superuser';
  if (lane !== 'superuser' && lane !== 'least-privilege') throw new Error(`TENANTRY_ADMIN_LANE=${lane}?`);
  return lane;
}

/** Sets up the fixture in `beforeAll` and drops everything under its prefix in `afterAll`. */
export function useMariadbFixture(): MariadbFixture {
  const fixture = {} as MariadbFixture;
  beforeAll(async () => {
    const rootUrl = inject('tenantryMysqlUrl');
    if (rootUrl === '') throw new Error(`The MariaDB lane cannot run here: ${inject('tenantryMysqlUnavailable')}`);
    const lane = currentMariadbLane();
    const scratch = await createMariadbScratch(rootUrl, { lane, runPrefix: inject('tenantryMysqlRunPrefix') });
    const dialect = new MysqlDialect({ flavor: 'mariadb', registryDatabase: scratch.registryDatabase, lockTimeoutMillis: 5_000 });
    const adminParts = parseMysqlUrl(scratch.adminUrl);
    const connectAdmin = () => Mysql2DriverConnection.connect({ host: adminParts.host, port: adminParts.port, user: adminParts.user, password: adminParts.password });
    const run: MariadbFixture['run'] = async (plan, action, names = {}, given) => {
      const connection = given ?? (await connectAdmin());
      try {
        await executePlan(connection, plan);
      } catch (error) {
        throw dialect.mapError(error, { action, ...names, adminRole: adminParts.user, lockTimeoutMillis: 5_000 }) as TenantryError;
      } finally {
        if (given === undefined) await (connection as Mysql2DriverConnection).close();
      }
    };
    Object.assign(fixture, {
      scratch,
      dialect,
      rootUrl,
      lane,
      connectAdmin,
      run,
      async createTenant(schemaName: string, username: string, connection?: DriverConnection) {
        const password = generatePassword();
        const plan = createPlan(dialect, schemaName, username, await dialect.passwordSecret(password));
        await run(plan, `create tenant "${schemaName}"`, { schemaName, username }, connection);
        return { schemaName, username, password, connectionString: dialect.tenantConnectionString(scratch.adminUrl, { username, password, database: schemaName }) };
      },
      async removeTenant(schemaName: string, username: string) {
        await run(removePlan(dialect, schemaName, username), `remove tenant "${schemaName}"`, { schemaName, username });
      },
      async rotatePassword(schemaName: string, username: string, options: { terminateSessions?: boolean } = {}) {
        const password = generatePassword();
        const names = parseTenantNames({ schemaName, username }, dialect.rules);
        await run(dialect.planRotatePassword({ ...names, passwordSecret: await dialect.passwordSecret(password), terminateSessions: options.terminateSessions ?? false }), `rotate the password of "${schemaName}"`, { schemaName, username });
        return password;
      },
      async listedSchemas() {
        const connection = await connectAdmin();
        try {
          return (await connection.query(dialect.listTenantsQuery({ limit: 10_000 }))).map((row) => row.schema_name);
        } finally {
          await connection.close();
        }
      },
      asRoot: <T>(work: (c: MysqlConnection) => Promise<T>) => withMysqlConnection(rootUrl, work),
    } satisfies MariadbFixture);
    await run(dialect.planPrepareOffline().plan, 'prepare');
  });
  afterAll(async () => {
    await fixture.scratch?.cleanup();
  });
  return fixture;
}

/** The create plan `DatabaseAdmin` builds, from names it parsed. */
export function createPlan(dialect: MysqlDialect, schemaName: string, username: string, passwordSecret: string): ExecutablePlan {
  return dialect.planCreateTenant({ tenant: parseTenantSpec({ schemaName, username }, dialect), passwordSecret, requirePreparedDatabase: true });
}

/** The remove plan `DatabaseAdmin` builds, from names it parsed. */
export function removePlan(dialect: MysqlDialect, schemaName: string, username: string): ExecutablePlan {
  return dialect.planRemoveTenant({ ...parseTenantNames({ schemaName, username }, dialect.rules), dropOwnedInOtherDatabases: false });
}

/** What the server holds under a prefix: accounts (with their JSON), database grants, databases, registry rows. */
export async function serverSnapshot(fixture: MariadbFixture): Promise<Record<string, unknown[]>> {
  const prefix = fixture.scratch.prefix;
  return fixture.asRoot(async (c) => ({
    accounts: await queryRows(c, 'SELECT User, Host, Priv FROM mysql.global_priv WHERE LEFT(User, ?) = ? ORDER BY User, Host', [prefix.length, prefix]),
    databaseGrants: await queryRows(c, 'SELECT * FROM mysql.db WHERE LEFT(User, ?) = ? ORDER BY User, Host, Db', [prefix.length, prefix]),
    databases: await queryRows(c, 'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE LEFT(SCHEMA_NAME, ?) = ? ORDER BY SCHEMA_NAME', [prefix.length, prefix]),
    registry: await queryRows(c, `SELECT schema_name, username, host, state FROM \`${fixture.scratch.registryDatabase}\`.tenants ORDER BY schema_name`),
  }));
}

/** The error a login as `username` gets, or `undefined` when it works. */
export async function loginError(fixture: MariadbFixture, username: string, password: string, database?: string): Promise<{ errno?: number; sqlState?: string; code?: string } | undefined> {
  const { host, port } = parseMysqlUrl(fixture.rootUrl);
  try {
    await Mysql2DriverConnection.connect({ host, port, user: username, password, database }).then((c) => c.close());
    return undefined;
  } catch (error) {
    return error as { errno?: number; sqlState?: string; code?: string };
  }
}

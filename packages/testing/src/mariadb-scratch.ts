import { randomBytes } from 'node:crypto';
import { mariadbAdminGrants, type MariadbAdminLane } from './mariadb-admin-grants.js';
import { dropMariadbObjectsWithPrefix, type MariadbCleanupReport } from './mariadb-cleanup.js';
import { mysqlNativePasswordHash } from './mysql-native-password.js';
import { quoteMysqlIdentifier } from './mysql-identifier.js';
import { withMysqlCredentials } from './mysql-url.js';
import { queryRows, withMysqlConnection } from './with-mysql-connection.js';

/**
 * One test file's share of a MariaDB server: a name prefix of its own, an
 * admin account of the chosen lane, and the cleanup that drops everything
 * under the prefix.
 */
export interface MariadbScratch {
  /** `<run prefix><3 random chars>_`, e.g. `trk3v0c9x1m_`: every name this scratch hands out starts with it. */
  readonly prefix: string;
  readonly lane: MariadbAdminLane;
  /** The admin account's user name (`<prefix>admin`, host `%`). */
  readonly adminUser: string;
  /** The server's URL with the admin's credentials. Contains the password. */
  readonly adminUrl: string;
  /** A database name for Tenantry's registry, under the prefix (not created: the admin's `prepare` does that). */
  readonly registryDatabase: string;
  /**
   * `prefix + label`, for tenant databases and users.
   * @throws {RangeError} unless `label` is `[a-z0-9_]+` and the name fits in 64 characters.
   */
  name(label: string): string;
  /** Drops every account (the admin's too) and database under the prefix. Idempotent. */
  cleanup(): Promise<MariadbCleanupReport>;
}

/** Options for {@link createMariadbScratch}. */
export interface MariadbScratchOptions {
  /** Default `'superuser'`. */
  readonly lane?: MariadbAdminLane;
  /**
   * The run's prefix (`inject('tenantryMysqlRunPrefix')`), so the run's teardown
   * also drops what a crashed file left. Default: a new one ({@link newMariadbRunPrefix}).
   */
  readonly runPrefix?: string;
}

/**
 * A fresh run prefix: `tr` and 6 random lowercase base36 characters. Short,
 * because MySQL 8 allows 32 characters in a user name.
 */
export function newMariadbRunPrefix(): string {
  return `tr${randomBase36(6)}`;
}

/**
 * Creates a {@link MariadbScratch} on the server at `rootUrl` (an account with
 * ALL PRIVILEGES ON *.* WITH GRANT OPTION, as the lane's server provides):
 * an admin account `<prefix>admin`@`%` with a random password, sent only as
 * its `mysql_native_password` hash, and the grants of its lane.
 *
 * @example
 * ```ts
 * const scratch = await createMariadbScratch(inject('tenantryMysqlUrl'), { lane: 'least-privilege', runPrefix: inject('tenantryMysqlRunPrefix') });
 * afterAll(() => scratch.cleanup());
 * const tenant = scratch.name('acme'); // 'trk3v0c9x1m_acme'
 * ```
 *
 * @throws {Error} on a MySQL server: MySQL 8 has no `IDENTIFIED BY PASSWORD`,
 * and its caching_sha2_password hash is not computed here.
 */
export async function createMariadbScratch(rootUrl: string, options: MariadbScratchOptions = {}): Promise<MariadbScratch> {
  const lane = options.lane ?? 'superuser';
  const runPrefix = options.runPrefix ?? newMariadbRunPrefix();
  if (!/^[a-z][a-z0-9]{3,15}$/.test(runPrefix)) throw new RangeError(`createMariadbScratch: runPrefix must match [a-z][a-z0-9]{3,15}, got ${JSON.stringify(runPrefix)}`);
  const prefix = `${runPrefix}${randomBase36(3)}_`;
  const adminUser = `${prefix}admin`;
  const password = randomBytes(24).toString('base64url');
  const account = `${quoteMysqlIdentifier(adminUser)}@${quoteMysqlIdentifier('%')}`;
  await withMysqlConnection(rootUrl, async (c) => {
    const [row] = await queryRows<{ v: string }>(c, 'SELECT VERSION() AS v');
    if (!/mariadb/i.test(row?.v ?? '')) {
      throw new Error('createMariadbScratch supports MariaDB only: MySQL 8 accounts need a caching_sha2_password hash (IDENTIFIED WITH ... AS), which this harness does not compute yet.');
    }
    await c.query(`CREATE USER ${account} IDENTIFIED BY PASSWORD '${mysqlNativePasswordHash(password)}'`);
    for (const statement of mariadbAdminGrants(lane, account, prefix)) await c.query(statement);
  });
  let cleaning: Promise<MariadbCleanupReport> | undefined;
  return {
    prefix,
    lane,
    adminUser,
    adminUrl: withMysqlCredentials(rootUrl, adminUser, password),
    registryDatabase: `${prefix}registry`,
    name(label) {
      if (!/^[a-z0-9_]+$/.test(label)) throw new RangeError(`MariadbScratch.name: label must match [a-z0-9_]+, got ${JSON.stringify(label)}`);
      const name = prefix + label;
      if (name.length > 64) throw new RangeError(`MariadbScratch.name: ${name} is longer than 64 characters`);
      return name;
    },
    cleanup: () => (cleaning ??= dropMariadbObjectsWithPrefix(rootUrl, prefix)),
  };
}

function randomBase36(length: number): string {
  // Rejection-free enough for names: 36^n is far below 2^(8*bytes) for these lengths.
  const value = BigInt(`0x${randomBytes(8).toString('hex')}`);
  return (value % 36n ** BigInt(length)).toString(36).padStart(length, '0');
}

import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, type TenantRef } from '@tenantry/core';
import { parseTenantNames } from '@tenantry/sql';
import { PostgresDialect, REMOVABLE_TENANT_CHECK } from '@tenantry/sql/postgres';
import { DatabaseAdmin } from '../database-admin.js';
import { catalogSnapshot, currentLane, uniqueName, useAdminFixture } from '../test-support/tenant-fixture.js';
import { ABSENT, loggedInAs, logIn, moreCatalogState, tenantFootprint } from './support/catalog-state.js';
import {
  describeError,
  firstAdvisoryLockKey,
  LockBlocker,
  lockLabel,
  lockWaitOf,
  settle,
  terminateBackend,
  waitUntilBlocked,
  withApplicationName,
  type BlockingLock,
} from './support/lock-blocker.js';
import { messagesOf, watchUncaughtErrors } from './support/uncaught-errors.js';

/*
 * The admin's connection dies in the middle of a plan. createTenant sends its
 * whole plan in one round trip, so the test cannot interrupt it between two
 * statements from the client side. Instead a blocker session holds a lock that
 * exactly one statement needs: the admin's backend waits there, the test
 * terminates it (pg_terminate_backend, as an operator, a failover or a proxy
 * would), then lets go of the lock.
 *
 * Which lock stops which statement was measured on PostgreSQL 14 to 18, as
 * superuser and as a least-privilege admin, and each test checks it again:
 * a probe session runs the plan statement by statement under the blocker with
 * a lock_timeout, and must stop at the targeted statement and no earlier.
 * Catalog writers take ROW EXCLUSIVE on the catalog while they write it (some
 * release it after each statement, so pg_locks cannot tell afterwards);
 * SHARE conflicts with that but not with readers or logins.
 *
 * create plan, statement by statement:
 *   SET LOCAL search_path                   no lock: not targetable (nothing is done before it anyway)
 *   SELECT pg_advisory_xact_lock(k1, k2)     pg_advisory_lock(k1) in the blocker
 *   SELECT set_config(names)                no lock: not targetable (it only sets transaction-local settings)
 *   DO block guard (prepared database,      ACCESS EXCLUSIVE on pg_language: DO looks its language up (cold
 *     schema named like a role)             cache of a new connection); it only reads otherwise
 *   CREATE ROLE                             SHARE on pg_authid
 *   CREATE SCHEMA                           SHARE on pg_namespace (pg_shdepend would stop CREATE ROLE on 16+)
 *   GRANT USAGE, CREATE ON SCHEMA           not targetable: writes pg_namespace and pg_shdepend, as CREATE SCHEMA did
 *   ALTER DEFAULT PRIVILEGES (1st of 4)     SHARE on pg_default_acl
 *   ALTER DEFAULT PRIVILEGES (2nd to 4th)   not targetable: the same catalogs as the first
 *   ALTER ROLE ... IN DATABASE ... SET      SHARE on pg_db_role_setting
 *   COMMENT ON SCHEMA                       SHARE on pg_description
 *   COMMENT ON ROLE                         SHARE on pg_shdescription
 *   (implicit COMMIT)                       not targetable: takes no heavyweight lock
 *
 * remove plan (BEGIN; prelude; catalog check; drops; COMMIT), for a tenant
 * that made a table in its schema and a large object (which lives outside it):
 *   SET LOCAL search_path                   no lock: not targetable
 *   SELECT pg_advisory_xact_lock(k1, k2)     pg_advisory_lock(k1)
 *   catalog check (markers)                 ACCESS EXCLUSIVE on pg_description (the markers are comments)
 *   DROP SCHEMA ... CASCADE                 SHARE on pg_namespace
 *   GRANT tenant TO admin (not superuser)   SHARE on pg_auth_members
 *   DROP OWNED BY                           SHARE on pg_largeobject_metadata (the tenant's large object); for a
 *                                           tenant that owns nothing outside its schema it touches no catalog
 *                                           DROP SCHEMA did not, and cannot be targeted
 *   DROP ROLE                               SHARE on pg_authid
 *   COMMIT                                  not targetable
 */

interface KillPoint {
  /** The statement, as the test names it. */
  statement: string;
  /** Finds the statement in the plan by its text. */
  match: RegExp;
  lock: (tenant: TenantRef) => BlockingLock;
  /** The lock, as the test names it. */
  lockName: string;
}

const advisoryPoint = {
  statement: 'the advisory lock statement',
  match: /^SELECT pg_advisory_xact_lock\(/,
  lock: (tenant: TenantRef): BlockingLock => ({ kind: 'advisory', key: firstAdvisoryLockKey(tenant) }),
  lockName: 'pg_advisory_lock on its first key',
};

function catalogPoint(statement: string, match: RegExp, catalog: string, mode: 'SHARE' | 'ACCESS EXCLUSIVE' = 'SHARE'): KillPoint {
  return { statement, match, lock: () => ({ kind: 'catalog', catalog, mode }), lockName: `${mode} on ${catalog}` };
}

const CREATE_KILL_POINTS: KillPoint[] = [
  advisoryPoint,
  catalogPoint('the prepared-database guard (DO block)', /^DO /, 'pg_language', 'ACCESS EXCLUSIVE'),
  catalogPoint('CREATE ROLE', /^CREATE ROLE /, 'pg_authid'),
  catalogPoint('CREATE SCHEMA', /^CREATE SCHEMA /, 'pg_namespace'),
  catalogPoint('the first ALTER DEFAULT PRIVILEGES', /^ALTER DEFAULT PRIVILEGES /, 'pg_default_acl'),
  catalogPoint('ALTER ROLE ... SET search_path', /^ALTER ROLE .* SET search_path /, 'pg_db_role_setting'),
  catalogPoint('COMMENT ON SCHEMA (schema marker)', /^COMMENT ON SCHEMA /, 'pg_description'),
  catalogPoint('COMMENT ON ROLE (role marker)', /^COMMENT ON ROLE /, 'pg_shdescription'),
];

// The remove plan's own check (the server's, in a DO block), named by its purpose.
const CATALOG_CHECK = REMOVABLE_TENANT_CHECK;

const REMOVE_KILL_POINTS: KillPoint[] = [
  advisoryPoint,
  catalogPoint('the catalog check of the markers', new RegExp(`^${CATALOG_CHECK}$`), 'pg_description', 'ACCESS EXCLUSIVE'),
  catalogPoint('DROP SCHEMA ... CASCADE', /^DROP SCHEMA /, 'pg_namespace'),
  // Only a non-superuser admin grants itself the tenant role before DROP OWNED.
  ...(currentLane() === 'least-privilege' ? [catalogPoint('GRANT tenant role TO admin', /^GRANT "[^"]+" TO /, 'pg_auth_members')] : []),
  catalogPoint('DROP OWNED BY', /^DROP OWNED BY /, 'pg_largeobject_metadata'),
  catalogPoint('DROP ROLE', /^DROP ROLE /, 'pg_authid'),
];

interface Step {
  text: string;
  sql: string;
  parameters?: readonly unknown[];
}

/**
 * Runs the steps one by one in a transaction of a new session (as `url`'s
 * role), each with a short lock_timeout, and returns the index of the first
 * one that had to wait for a lock; rolls everything back.
 */
async function firstBlockedStep(url: string, steps: readonly Step[]): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`BEGIN; SET LOCAL lock_timeout = '250ms'`);
    for (const [index, step] of steps.entries()) {
      try {
        await client.query(step.sql, step.parameters ? [...step.parameters] : undefined);
      } catch (error) {
        if ((error as { code?: string }).code === '55P03') return index;
        throw error;
      }
    }
    return undefined;
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end();
  }
}

/** The whole catalog a tenant operation could touch. */
async function fullCatalogSnapshot(client: pg.Client): Promise<Record<string, unknown>> {
  return { ...((await catalogSnapshot(client)) as Record<string, unknown>), ...(await moreCatalogState(client)) };
}

const TENANT_OBJECTS = { table: true, large_objects: 1 };

/** What the tenant of a remove test made: its table, and how many large objects it owns. */
async function tenantObjects(connectionString: string): Promise<{ table: boolean; large_objects: number }> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<{ table: boolean; large_objects: number }>(
      `SELECT to_regclass('notes') IS NOT NULL AS table,
              (SELECT count(*) FROM pg_largeobject_metadata WHERE lomowner = current_user::regrole)::int AS large_objects`,
    );
    return rows[0]!;
  } finally {
    await client.end();
  }
}

function indexOf(steps: readonly Step[], point: KillPoint): number {
  const index = steps.findIndex((step) => point.match.test(step.text));
  if (index < 0) throw new Error(`the plan has no statement matching ${point.match}: ${steps.map((s) => s.text.slice(0, 40)).join(' | ')}`);
  return index;
}

describe('the admin connection killed in the middle of a plan', () => {
  const fixture = useAdminFixture();
  /** What a tenant created without trouble looks like in the catalog. */
  let wholeTenant: Record<string, unknown>;

  beforeAll(async () => {
    const { admin, superuser } = fixture();
    const reference = await admin.createTenant({ schemaName: uniqueName('reference'), username: uniqueName('reference_user') });
    wholeTenant = await tenantFootprint(superuser, reference);
  });

  /** A DatabaseAdmin of its own, whose backend the test finds by application_name. */
  function victimAdmin(): { admin: DatabaseAdmin; applicationName: string } {
    const applicationName = uniqueName('victim');
    return { admin: new DatabaseAdmin(withApplicationName(fixture().adminUrl, applicationName)), applicationName };
  }

  /**
   * Holds `lock`, starts `call`, waits until the admin's backend waits for the
   * lock at the expected point, kills that backend, lets go of the lock, and
   * returns how the call ended.
   */
  async function killWhileBlocked<T>(
    options: { lock: BlockingLock; applicationName: string; steps: Step[]; target: number; probeUrl: string },
    call: () => Promise<T>,
  ) {
    const { superuser, database } = fixture();
    const blocker = await LockBlocker.open(database.url);
    try {
      await blocker.hold(options.lock);
      // The lock stops this plan at the targeted statement, and at no earlier one.
      expect(await firstBlockedStep(options.probeUrl, options.steps)).toBe(options.target);

      const outcome = settle(call());
      const [pid] = await waitUntilBlocked(superuser, { applicationName: options.applicationName, blockerPid: blocker.pid });
      const wait = await lockWaitOf(superuser, pid!);
      expect(wait.waitingFor).toEqual([lockLabel(options.lock)]);
      // Past the lock statement, the plan holds both advisory locks.
      expect(wait.advisoryLocksHeld).toBe(options.lock.kind === 'advisory' ? 0 : 2);
      await terminateBackend(superuser, pid!);
      await blocker.release();
      return { outcome: await outcome, wait };
    } finally {
      await blocker.close();
    }
  }

  function expectConnectionError(outcome: { ok: boolean; error?: unknown }): void {
    expect(outcome.ok, 'the call should have failed').toBe(false);
    const error = outcome.error;
    expect(error, describeError(error)).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ code: 'CONNECTION', sqlState: '57P01' });
    expect((error as Error).message).not.toMatch(/PASSWORD|SCRAM-SHA-256\$/);
  }

  describe('createTenant', () => {
    it.each(CREATE_KILL_POINTS)(
      'killed at $statement (held by $lockName): ConnectionError, nothing left behind, the retry succeeds',
      async (point) => {
        const { superuser, adminUrl } = fixture();
        const tenant = { schemaName: uniqueName('kill_s'), username: uniqueName('kill_u') };
        const { admin, applicationName } = victimAdmin();
        const uncaught = watchUncaughtErrors();
        try {
          // Reads the server facts: the admin's pool now holds an open connection, as in a running service.
          const steps: Step[] = (await admin.planCreateTenant(tenant)).statements.map((s) => ({ text: s.text, sql: s.sql }));
          const target = indexOf(steps, point);
          const before = await fullCatalogSnapshot(superuser);

          const { outcome, wait } = await killWhileBlocked(
            { lock: point.lock(tenant), applicationName, steps, target, probeUrl: adminUrl },
            () => admin.createTenant(tenant),
          );
          // CREATE ROLE keeps its lock on pg_authid until commit: proof of where the plan was.
          expect(wait.rowExclusiveHeld.includes('pg_authid')).toBe(target > steps.findIndex((s) => /^CREATE ROLE /.test(s.text)));

          expectConnectionError(outcome);
          expect(await fullCatalogSnapshot(superuser)).toEqual(before);
          expect(await tenantFootprint(superuser, tenant)).toEqual(ABSENT);

          // The same admin, as a caller retrying on ConnectionError would.
          const credentials = await admin.createTenant(tenant);
          expect(await tenantFootprint(superuser, tenant)).toEqual(wholeTenant);
          expect(await logIn(credentials.connectionString)).toEqual(loggedInAs(credentials));
          expect(messagesOf(uncaught.errors), 'uncaught errors (they end a real process)').toEqual([]);
        } finally {
          uncaught.stop();
          await admin.close();
        }
      },
    );
  });

  describe('removeTenant', () => {
    it.each(REMOVE_KILL_POINTS)(
      'killed at $statement (held by $lockName): ConnectionError, the tenant is still whole, the retry removes it',
      async (point) => {
        const { superuser, adminUrl, adminRole, lane } = fixture();
        const tenant = { schemaName: uniqueName('kill_s'), username: uniqueName('kill_u') };
        const { admin, applicationName } = victimAdmin();
        const uncaught = watchUncaughtErrors();
        try {
          const beforeCreate = await fullCatalogSnapshot(superuser);
          const credentials = await admin.createTenant(tenant);
          // What removeTenant is for: objects inside the schema, and a large object outside it.
          const own = new pg.Client({ connectionString: credentials.connectionString });
          await own.connect();
          await own.query('CREATE TABLE notes (id int); SELECT lo_create(0)').finally(() => own.end());
          expect(await tenantObjects(credentials.connectionString)).toEqual(TENANT_OBJECTS);
          const beforeRemove = await fullCatalogSnapshot(superuser);
          const footprintBeforeRemove = await tenantFootprint(superuser, tenant);

          // The plan the admin runs, built from the server's facts as it builds it.
          const dialect = new PostgresDialect();
          const info = await admin.serverInfo();
          const facts = { ...info, version: String(info.versionNum), missingToCreate: [], extensions: [] };
          expect(info.isSuperuser).toBe(lane !== 'least-privilege');
          expect(info.adminRole).toBe(adminRole);
          const plan = dialect.planRemoveTenant({ ...parseTenantNames(tenant, dialect.rules), dropOwnedInOtherDatabases: false }, facts);
          // The plan says what runs where: its statements, and its catalog checks between them.
          const steps = plan.steps.flatMap((step): Step[] =>
            step.kind === 'run'
              ? step.statements.map((s) => ({ text: s.purpose === CATALOG_CHECK ? CATALOG_CHECK : s.text, sql: s.sql }))
              : [{ text: step.kind === 'check' ? step.purpose : step.statement.text, sql: step.query.sql, parameters: step.query.parameters }],
          );

          const { outcome } = await killWhileBlocked(
            { lock: point.lock(tenant), applicationName, steps, target: indexOf(steps, point), probeUrl: adminUrl },
            () => admin.removeTenant(tenant),
          );

          expectConnectionError(outcome);
          expect(await fullCatalogSnapshot(superuser)).toEqual(beforeRemove);
          expect(await tenantFootprint(superuser, tenant)).toEqual(footprintBeforeRemove);
          expect(await logIn(credentials.connectionString)).toEqual(loggedInAs(credentials));
          expect(await tenantObjects(credentials.connectionString)).toEqual(TENANT_OBJECTS);

          await admin.removeTenant(tenant);
          expect(await tenantFootprint(superuser, tenant)).toEqual(ABSENT);
          expect(await fullCatalogSnapshot(superuser)).toEqual(beforeCreate);
          expect(messagesOf(uncaught.errors), 'uncaught errors (they end a real process)').toEqual([]);
        } finally {
          uncaught.stop();
          await admin.close();
        }
      },
    );
  });
});

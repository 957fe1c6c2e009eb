import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantAlreadyExistsError, TenantNotFoundError, type TenantCredentials, type TenantRef } from '@tenantry/core';
import { DatabaseAdmin } from '../database-admin.js';
import { catalogSnapshot, uniqueName, useAdminFixture } from '../test-support/tenant-fixture.js';
import { ABSENT, loggedInAs, logIn, moreCatalogState, tenantFootprint } from './support/catalog-state.js';
import {
  describeError,
  firstAdvisoryLockKey,
  LockBlocker,
  settle,
  sleep,
  waitUntilBlocked,
  withApplicationName,
  type Outcome,
} from './support/lock-blocker.js';

const CALLERS = 32;
const ROUNDS = 20;

/** The whole catalog a tenant operation could touch. */
async function fullCatalogSnapshot(client: pg.Client): Promise<Record<string, unknown>> {
  return { ...((await catalogSnapshot(client)) as Record<string, unknown>), ...(await moreCatalogState(client)) };
}

function newTenant(): TenantRef {
  return { schemaName: uniqueName('race_s'), username: uniqueName('race_u') };
}

async function expectLoginRefused(credentials: TenantCredentials): Promise<void> {
  const error = await logIn(credentials.connectionString).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  // scram-sha-256 answers 28P01 for an unknown role (not to reveal it); trust answers 28000.
  expect(['28P01', '28000']).toContain((error as { code?: string } | undefined)?.code);
}

describe('createTenant and removeTenant racing', () => {
  const fixture = useAdminFixture();
  /** What a tenant created without contention looks like in the catalog. */
  let wholeTenant: Record<string, unknown>;
  /** One DatabaseAdmin per caller, each with its own pool, as separate processes would have. */
  const admins: DatabaseAdmin[] = [];

  beforeAll(async () => {
    const { admin, adminUrl, superuser } = fixture();
    const reference = await admin.createTenant(newTenant());
    wholeTenant = await tenantFootprint(superuser, reference);
    for (let i = 0; i < CALLERS; i++) admins.push(new DatabaseAdmin(adminUrl));
    // Connected and with their server facts read, so that the calls below start together.
    await Promise.all(admins.map((admin) => admin.listTenantsPage({ limit: 1 })));
  });

  afterAll(async () => {
    await Promise.all(admins.map((admin) => admin.close()));
  });

  it(`${CALLERS} concurrent creates of one tenant: exactly one wins, the others get TenantAlreadyExistsError, nothing partial`, async () => {
    const { admin, superuser } = fixture();
    const before = await fullCatalogSnapshot(superuser);
    const tenant = newTenant();

    const results = await Promise.all(admins.map((caller) => settle(caller.createTenant(tenant))));

    const won = results.filter((r): r is Extract<Outcome<TenantCredentials>, { ok: true }> => r.ok);
    const lost = results.filter((r): r is Extract<Outcome<TenantCredentials>, { ok: false }> => !r.ok);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(CALLERS - 1);
    for (const { error } of lost) expect(error, describeError(error)).toBeInstanceOf(TenantAlreadyExistsError);
    // Exactly one schema and one role, each exactly as an uncontended create makes them.
    expect(await tenantFootprint(superuser, tenant)).toEqual(wholeTenant);
    const winner = won[0]!.value;
    expect(await logIn(winner.connectionString)).toEqual(loggedInAs(winner));

    // Minus that one tenant, the catalog is as before: the losers left nothing anywhere.
    await admin.removeTenant(tenant);
    expect(await fullCatalogSnapshot(superuser)).toEqual(before);
  });

  it(`${CALLERS} concurrent creates of different tenants: all succeed and every one logs in`, async () => {
    const { admin, superuser } = fixture();
    const tenants = admins.map(() => newTenant());

    const results = await Promise.all(admins.map((caller, i) => settle(caller.createTenant(tenants[i]!))));

    expect(results.filter((r) => !r.ok).map((r) => describeError((r as { error: unknown }).error))).toEqual([]);
    const created = results.map((r) => (r as { value: TenantCredentials }).value);
    for (const tenant of tenants) expect(await tenantFootprint(superuser, tenant)).toEqual(wholeTenant);
    const logins = await Promise.all(created.map((credentials) => logIn(credentials.connectionString)));
    expect(logins).toEqual(created.map(loggedInAs));
    const listed = new Map((await admin.listTenants()).map((t) => [t.schemaName, t]));
    for (const credentials of created) {
      expect(listed.get(credentials.schemaName)).toMatchObject({ username: credentials.username, roleIntact: true });
    }
  });

  it(`${CALLERS} concurrent removes of different tenants: all succeed and leave the catalog as before`, async () => {
    const { admin, superuser } = fixture();
    const before = await fullCatalogSnapshot(superuser);
    const tenants = admins.map(() => newTenant());
    for (const tenant of tenants) await admin.createTenant(tenant); // one after another: this test is about the removes

    const results = await Promise.all(admins.map((caller, i) => settle(caller.removeTenant(tenants[i]!))));

    expect(results.filter((r) => !r.ok).map((r) => describeError((r as { error: unknown }).error))).toEqual([]);
    expect(await fullCatalogSnapshot(superuser)).toEqual(before);
  });

  it(`createTenant and removeTenant of one tenant at once, ${ROUNDS} rounds: always all of it or none of it`, async () => {
    const { adminUrl, database, superuser } = fixture();
    const creatorName = uniqueName('creator');
    const removerName = uniqueName('remover');
    const creator = new DatabaseAdmin(withApplicationName(adminUrl, creatorName));
    const remover = new DatabaseAdmin(withApplicationName(adminUrl, removerName));
    const blocker = await LockBlocker.open(database.url);
    const ends = { removed: 0, kept: 0 };
    try {
      await Promise.all([creator.listTenantsPage({ limit: 1 }), remover.listTenantsPage({ limit: 1 })]);
      for (let round = 0; round < ROUNDS; round++) {
        const tenant = newTenant();
        const before = await fullCatalogSnapshot(superuser);
        const create = (): Promise<TenantCredentials> => creator.createTenant(tenant);
        const remove = (): Promise<void> => remover.removeTenant(tenant);
        let created: Outcome<TenantCredentials>;
        let removed: Outcome<void>;
        /** In the gated rounds, whether the create queued first; otherwise unknown. */
        let createFirst: boolean | undefined;

        if (round % 2 === 0) {
          // Gated: both calls provably in flight at once, queued on the tenant's
          // advisory lock (held by the test) in a chosen order, then let go.
          createFirst = round % 4 === 0;
          await blocker.hold({ kind: 'advisory', key: firstAdvisoryLockKey(tenant) });
          // Starts the call and waits until it queues; the outcome is wrapped so that awaiting this does not await the call.
          const queue = async <T>(call: () => Promise<T>, applicationName: string): Promise<{ outcome: Promise<Outcome<T>> }> => {
            const outcome = settle(call());
            await waitUntilBlocked(superuser, { applicationName, blockerPid: blocker.pid });
            return { outcome };
          };
          let creating: { outcome: Promise<Outcome<TenantCredentials>> };
          let removing: { outcome: Promise<Outcome<void>> };
          if (createFirst) {
            creating = await queue(create, creatorName);
            removing = await queue(remove, removerName);
          } else {
            removing = await queue(remove, removerName);
            creating = await queue(create, creatorName);
          }
          await blocker.release();
          [created, removed] = await Promise.all([creating.outcome, removing.outcome]);
        } else {
          // Free: small random head starts on either side.
          [created, removed] = await Promise.all([
            settle(sleep(Math.random() * 12).then(create)),
            settle(sleep(Math.random() * 12).then(remove)),
          ]);
        }

        const context = `round ${round}${createFirst === undefined ? '' : createFirst ? ' (create queued first)' : ' (remove queued first)'}`;
        expect(created.ok, `${context}: createTenant failed: ${describeError((created as { error?: unknown }).error)}`).toBe(true);
        const credentials = (created as { value: TenantCredentials }).value;
        if (removed.ok) {
          ends.removed++;
          expect(createFirst, `${context}: remove succeeded`).not.toBe(false);
          expect(await tenantFootprint(superuser, tenant), context).toEqual(ABSENT);
          expect(await fullCatalogSnapshot(superuser), context).toEqual(before);
          await expectLoginRefused(credentials);
        } else {
          ends.kept++;
          expect(removed.error, `${context}: ${describeError(removed.error)}`).toBeInstanceOf(TenantNotFoundError);
          expect(createFirst, `${context}: remove found nothing`).not.toBe(true);
          expect(await tenantFootprint(superuser, tenant), context).toEqual(wholeTenant);
          expect(await logIn(credentials.connectionString), context).toEqual(loggedInAs(credentials));
          await remover.removeTenant(tenant);
          expect(await fullCatalogSnapshot(superuser), context).toEqual(before);
        }
      }
      // The gated rounds force both orders.
      expect(ends.removed).toBeGreaterThanOrEqual(ROUNDS / 4);
      expect(ends.kept).toBeGreaterThanOrEqual(ROUNDS / 4);
    } finally {
      await blocker.close();
      await Promise.all([creator.close(), remover.close()]);
    }
  });
});

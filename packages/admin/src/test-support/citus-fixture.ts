import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import type {} from '@tenantry/testing/citus-vitest-context';
import { describeUnavailableCitusLane, uniqueName } from '@tenantry/testing';
import { scramSha256Verifier } from '@tenantry/core';
import { DatabaseAdmin } from '../database-admin.js';
import { currentLane, type AdminLane } from './tenant-fixture.js';

/** A Citus cluster as one admin lane sees it. */
export interface CitusFixture {
  lane: AdminLane;
  admin: DatabaseAdmin;
  adminUrl: string;
  adminRole: string;
  /** The coordinator, as its superuser. */
  superuser: pg.Client;
  /** Each worker, as its superuser, connected directly (what a tenant must never be able to do). */
  workers: pg.Client[];
  workerUrls: string[];
}

/**
 * The lane's admin on the cluster the global setup started: the superuser, or
 * a least-privilege admin (LOGIN CREATEROLE, owner of the database on every
 * node, so of schema public there). Cleans up the tenants' roles it made.
 */
export function useCitusFixture(): () => CitusFixture {
  let fixture: CitusFixture | undefined;
  let createdAdmin: string | undefined;
  beforeAll(async () => {
    const unavailable = inject('tenantryCitusUnavailable');
    if (unavailable !== '') throw new Error(describeUnavailableCitusLane({ reason: unavailable }));
    const coordinatorUrl = inject('tenantryCitusUrl');
    const workerUrls = JSON.parse(inject('tenantryCitusWorkerUrls')) as string[];
    const superuser = await connected(coordinatorUrl);
    const workers = await Promise.all(workerUrls.map(connected));
    const lane = currentLane();
    let adminUrl = coordinatorUrl;
    let adminRole = (await superuser.query<{ name: string }>('SELECT current_user AS name')).rows[0]!.name;
    if (lane === 'least-privilege') {
      adminRole = createdAdmin = uniqueName('lp_citus');
      adminUrl = await leastPrivilegeAdmin(superuser, workers, coordinatorUrl, adminRole);
    }
    const admin = new DatabaseAdmin(adminUrl);
    await admin.prepare();
    fixture = { lane, admin, adminUrl, adminRole, superuser, workers, workerUrls };
  });
  afterAll(async () => {
    if (!fixture) return;
    await fixture.admin.close();
    if (createdAdmin) {
      const id = pg.escapeIdentifier(createdAdmin);
      await fixture.superuser.query(`ALTER DATABASE postgres OWNER TO CURRENT_USER`);
      await fixture.superuser.query(`DROP OWNED BY ${id}; DROP ROLE ${id}`).catch(() => undefined);
    }
    await Promise.all([fixture.superuser.end(), ...fixture.workers.map((worker) => worker.end())]);
  });
  return () => {
    if (!fixture) throw new Error('fixture used outside a test');
    return fixture;
  };
}

async function connected(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/**
 * A managed-cloud style admin: LOGIN CREATEROLE, owner of the database on
 * every node (Citus propagates the role; the ownership is set on each node,
 * since the database itself is not distributed).
 */
async function leastPrivilegeAdmin(superuser: pg.Client, workers: readonly pg.Client[], coordinatorUrl: string, role: string): Promise<string> {
  const password = `lp-${uniqueName('pw')}`;
  const id = pg.escapeIdentifier(role);
  // Its SCRAM verifier, not the password, goes into the SQL (which Citus sends on to every node).
  await superuser.query(`CREATE ROLE ${id} LOGIN CREATEROLE NOSUPERUSER NOCREATEDB PASSWORD ${pg.escapeLiteral(await scramSha256Verifier(password))}`);
  // Citus propagates the database's owner from the coordinator (and refuses the change on a worker).
  await superuser.query(`ALTER DATABASE postgres OWNER TO ${id}`);
  const owners = await Promise.all(workers.map(async (worker) => (await worker.query('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()')).rows[0].owner));
  if (owners.some((owner) => owner !== role)) throw new Error(`the database's owner did not reach every worker: ${owners.join(', ')}`);
  const url = new URL(coordinatorUrl);
  url.username = role;
  url.password = password;
  return url.toString();
}

/** What each worker answers to `sql` (run there directly, as its superuser), in worker order. */
export async function onEachWorker(fixture: CitusFixture, sql: string, parameters: unknown[] = []): Promise<unknown[][][]> {
  return Promise.all(fixture.workers.map(async (worker) => (await worker.query({ text: sql, values: parameters, rowMode: 'array' })).rows));
}

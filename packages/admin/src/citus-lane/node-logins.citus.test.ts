import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterNodeError } from '@tenantry/core';
import { startCitusCluster, uniqueName, type CitusCluster } from '@tenantry/testing';
import { DatabaseAdmin } from '../database-admin.js';

/*
 * A cluster whose nodes do not trust each other: the superuser reaches the
 * workers with a pg_dist_authinfo password, every other role cannot (what
 * the outside trial found: a tenant's first CREATE TABLE failed with
 * "fe_sendauth: no password supplied"). Tenantry must find it at creation and
 * leave nothing behind, with the reason and the fix.
 */
describe('a Citus cluster whose nodes do not trust each other', () => {
  let cluster: CitusCluster;
  let admin: DatabaseAdmin;

  beforeAll(async () => {
    cluster = await startCitusCluster({ nodeLogins: 'password' });
    admin = new DatabaseAdmin(cluster.coordinatorUrl);
    await admin.prepare();
  });
  afterAll(async () => {
    await admin?.close();
    await cluster?.stop();
  });

  it('refuses to create a tenant, naming the worker and the node-login model, and leaves it on no node', async () => {
    const tenant = { schemaName: uniqueName('nl_s'), username: uniqueName('nl_u') };
    const error = await admin.createTenant(tenant).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    const failure = (error as { cause?: unknown }).cause;
    expect(failure).toBeInstanceOf(ClusterNodeError);
    expect((error as Error).message).toMatch(/refused the coordinator's connection as tenant role/);
    expect((error as Error).message).toContain('cluster certificate');
    expect((error as Error).message).toContain('removed again');
    for (const url of [cluster.coordinatorUrl, ...cluster.workers.map((worker) => worker.url)]) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query('SELECT (SELECT count(*) FROM pg_roles WHERE rolname = $1) + (SELECT count(*) FROM pg_namespace WHERE nspname = $2) AS n', [tenant.username, tenant.schemaName]);
        expect(Number(rows[0].n), url.replace(/:[^:@/]*@/, ':***@')).toBe(0);
      } finally {
        await client.end();
      }
    }
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterNodeError } from '@tenantry/core';
import { acceptsTcpConnections, startCitusCluster, uniqueName, type CitusCluster, type CitusNode } from '@tenantry/testing';
import { DatabaseAdmin } from '../database-admin.js';

/*
 * A worker that goes down: the admin's calls that need it fail with a
 * ClusterNodeError naming that worker, never as the admin's own connection.
 * On a cluster of its own, since a worker is stopped for good.
 */


describe('a Citus worker that is down', () => {
  let cluster: CitusCluster;
  let admin: DatabaseAdmin;

  beforeAll(async () => {
    cluster = await startCitusCluster();
    admin = new DatabaseAdmin(cluster.coordinatorUrl);
    await admin.prepare();
  });
  afterAll(async () => {
    await admin?.close();
    // One node is already down: stopping it again fails, and the rest is cleaned up all the same.
    await cluster?.stop().catch(() => undefined);
  });

  it("is a ClusterNodeError naming that worker, and the admin's own connection still works", async () => {
    const tenant = { schemaName: uniqueName('wd_s'), username: uniqueName('wd_u') };
    await admin.createTenant(tenant);
    const worker = cluster.nodes.find((node): node is CitusNode & { pid: number } => node.role === 'worker' && node.pid !== undefined)!;
    process.kill(worker.pid, 'SIGINT'); // fast shutdown
    while (await acceptsTcpConnections(worker.port)) await sleep(50);

    const error = await admin.rotatePassword(tenant).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ClusterNodeError);
    expect((error as ClusterNodeError).node).toBe(`127.0.0.1:${worker.port}`);
    expect((error as Error).message).toContain(`Citus worker 127.0.0.1:${worker.port}`);
    expect((await admin.serverInfo()).versionNum).toBeGreaterThan(0);
  });
});

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeUnavailableCitusLane, startCitusLane, uniqueName, type CitusCluster } from '@tenantry/testing';
import { tenantry } from '../test-support/cli.js';

/*
 * `tenantry show` and `tenantry move` on a real Citus cluster (coordinator and
 * two workers, started here where the extension is installed). Where it is
 * not, this fails loudly instead of skipping.
 */
describe('tenantry on a Citus cluster', () => {
  let cluster: CitusCluster;
  let env: Record<string, string>;

  beforeAll(async () => {
    const lane = await startCitusLane();
    if (!lane.available) throw new Error(describeUnavailableCitusLane(lane));
    cluster = lane.cluster;
    env = { DATABASE_URL: cluster.coordinatorUrl };
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('show says which worker a tenant lives on, and move takes it to the other one', async () => {
    expect((await tenantry(['init'], { env })).code).toBe(0);
    const schema = uniqueName('cm_s');
    const user = uniqueName('cm_u');
    const created = await tenantry(['create', '--schema', schema, '--username', user, '--json'], { env });
    expect(created.code, created.stderr).toBe(0);
    const tenant = new pg.Client({ connectionString: (JSON.parse(created.stdout) as { connectionString: string }).connectionString });
    await tenant.connect();
    await tenant.query(`CREATE TABLE notes (id int PRIMARY KEY); INSERT INTO notes VALUES (1)`).finally(() => tenant.end());

    const nodes = cluster.workers.map((worker) => `127.0.0.1:${worker.port}`);
    const where = async () => {
      const shown = await tenantry(['show', schema, '--json'], { env });
      expect(shown.code, shown.stderr).toBe(0);
      return (JSON.parse(shown.stdout) as { placement: { node: string } }).placement.node;
    };
    const before = await where();
    expect(nodes).toContain(before);
    expect((await tenantry(['show', schema], { env })).stdout).toMatch(new RegExp(`lives on\\s+${before}`));
    const target = nodes.find((node) => node !== before)!;
    const moved = await tenantry(['move', '--schema', schema, '--username', user, '--to', target], { env });
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toContain(`it lives on ${target} now`);
    expect(await where()).toBe(target);
    const nowhere = await tenantry(['move', '--schema', schema, '--username', user, '--to', '127.0.0.1:1'], { env });
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain('is not an active worker');
    expect((await tenantry(['remove', '--schema', schema, '--username', user, '--yes'], { env })).code).toBe(0);
  });
});

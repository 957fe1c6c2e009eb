import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCitusBinaries } from './citus-binaries.js';
import { startCitusCluster, type CitusCluster } from './citus-cluster.js';
import { CITUS_NODE_CERTIFICATE_CN } from './citus-certificates.js';
import { citusLaneRequired } from './citus-global-setup.js';
import { describeUnavailableCitusLane } from './citus-lane.js';
import { ensurePostgresOsUser } from './postgres-os-user.js';
import { isAlive, listDescendants } from './process-tree.js';
import { scramVerifierForTests } from './test-support/scram-verifier.js';
import { uniqueName } from './unique-name.js';
import { withClient } from './with-client.js';

/** `url` with another user and password. */
function as(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = password;
  return parsed.toString();
}

/** The SQLSTATE a connection attempt fails with, or `'connected'`. */
async function connectOutcome(config: pg.ClientConfig): Promise<string> {
  try {
    await withClient(config, async () => undefined);
    return 'connected';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

// Where Citus is not installed these tests cannot run: say so, or fail where the lane is required (CI).
const citus = await findCitusBinaries();
if ('missing' in citus) {
  const message = describeUnavailableCitusLane({ reason: citus.missing });
  if (citusLaneRequired()) throw new Error(message);
  process.stderr.write(`\n${message}\n\n`);
}

describe.skipIf('missing' in citus)('startCitusCluster', () => {
  let cluster: CitusCluster;
  const tenant = uniqueName('tenant');
  const tenantPassword = randomBytes(18).toString('base64url');

  beforeAll(async () => {
    if ('found' in citus) cluster = await startCitusCluster({ binaries: citus.found });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('registers the coordinator and both workers, and shards schemas by default at the coordinator', async () => {
    expect(cluster.nodes.map((node) => [node.name, node.role])).toEqual([
      ['coordinator', 'coordinator'],
      ['worker1', 'worker'],
      ['worker2', 'worker'],
    ]);
    expect(cluster.coordinatorUrl).toMatch(/^postgresql:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
    const { count, coordinatorPort, ports, sharding } = await withClient(cluster.coordinatorUrl, async (client) => ({
      count: (await client.query<{ count: string }>('SELECT count(*) FROM pg_dist_node')).rows[0]!.count,
      coordinatorPort: (await client.query<{ nodeport: number }>('SELECT nodeport FROM pg_dist_node WHERE groupid = 0')).rows[0]?.nodeport,
      ports: (await client.query<{ nodeport: number }>('SELECT nodeport FROM pg_dist_node WHERE groupid <> 0 ORDER BY nodeport')).rows.map((row) => row.nodeport),
      sharding: (await client.query<{ value: string }>("SELECT current_setting('citus.enable_schema_based_sharding') AS value")).rows[0]!.value,
    }));
    expect(count).toBe('3');
    expect(coordinatorPort).toBe(cluster.nodes[0]!.port);
    expect(ports).toEqual(cluster.workers.map((worker) => worker.port).sort((a, b) => a - b));
    expect(sharding).toBe('on');
    for (const worker of cluster.workers) {
      const citus = await withClient(worker.url, async (client) => (await client.query("SELECT 1 FROM pg_extension WHERE extname = 'citus'")).rowCount);
      expect(citus).toBe(1);
    }
  });

  it("keeps the data directories and the TLS files to the servers' OS user", async () => {
    const owner = process.getuid?.() === 0 ? (await ensurePostgresOsUser()).uid : process.getuid?.();
    const { caFile, certFile, keyFile } = cluster.nodeCertificate;
    const paths = [cluster.directory, ...cluster.nodes.map((node) => node.dataDir), caFile, certFile, keyFile];
    const describePath = async (path: string) => {
      const info = await stat(path);
      return { path, uid: info.uid, mode: (info.mode & 0o777).toString(8) };
    };
    const tlsFiles = [caFile, certFile, keyFile];
    expect(await Promise.all(paths.map(describePath))).toEqual(paths.map((path) => ({ path, uid: owner, mode: tlsFiles.includes(path) ? '600' : '700' })));
  });

  it("lets a tenant role create a table in its distributed schema through the coordinator, which reaches the worker as that role with the node certificate", async () => {
    await withClient(cluster.coordinatorUrl, async (client) => {
      await client.query(`CREATE ROLE ${tenant} LOGIN PASSWORD ${pg.escapeLiteral(scramVerifierForTests(tenantPassword))}`);
      await client.query(`CREATE SCHEMA ${tenant} AUTHORIZATION ${tenant}`);
    });
    const tenantUrl = as(cluster.coordinatorUrl, tenant, tenantPassword);
    // One session: Citus keeps its connection to the worker for the session, so the worker can be asked about it meanwhile.
    await withClient(tenantUrl, async (client) => {
      await client.query(`CREATE TABLE ${tenant}.items (id int PRIMARY KEY)`);
      await client.query(`INSERT INTO ${tenant}.items VALUES (1), (2)`);
      expect((await client.query(`SELECT count(*)::int AS n FROM ${tenant}.items`)).rows).toEqual([{ n: 2 }]);
      const placement = await withClient(cluster.coordinatorUrl, async (admin) =>
        (await admin.query<{ nodeport: number; citus_table_type: string }>('SELECT nodeport, citus_table_type FROM citus_shards WHERE table_name = $1::regclass', [`${tenant}.items`])).rows,
      );
      expect(placement).toHaveLength(1);
      expect(placement[0]!.citus_table_type).toBe('schema');
      const worker = cluster.workers.find((candidate) => candidate.port === placement[0]!.nodeport);
      expect(worker).toBeDefined();
      const sessions = await withClient(worker!.url, async (admin) =>
        (
          await admin.query<{ ssl: boolean; client_dn: string | null }>(
            'SELECT s.ssl, s.client_dn FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename = $1',
            [tenant],
          )
        ).rows,
      );
      expect(sessions.length).toBeGreaterThan(0);
      for (const session of sessions) expect(session).toEqual({ ssl: true, client_dn: `/CN=${CITUS_NODE_CERTIFICATE_CN}` });
    });
  });

  it('makes a client without the node certificate log in to a worker with the password: a wrong one fails with 28P01', async () => {
    const worker = cluster.workers[0]!;
    expect(await connectOutcome({ connectionString: as(worker.url, tenant, `wrong-${tenantPassword}`) })).toBe('28P01');
    expect(await connectOutcome({ connectionString: as(worker.url, tenant, tenantPassword) })).toBe('connected');
  });

  it('refuses a TLS client without a certificate, and trusts one with the node certificate as any user', async () => {
    const { caFile, certFile, keyFile } = cluster.nodeCertificate;
    const ca = readFileSync(caFile, 'utf8');
    const worker = cluster.workers[1]!;
    const tls = { host: '127.0.0.1', port: worker.port, database: 'postgres', user: tenant, password: tenantPassword };
    // 28000: pg_hba's hostssl line matched and wants a client certificate; the password is never asked for.
    expect(await connectOutcome({ ...tls, ssl: { ca } })).toBe('28000');
    const currentUser = await withClient(
      { ...tls, password: 'not-checked', ssl: { ca, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') } },
      async (client) => (await client.query<{ current_user: string }>('SELECT current_user')).rows[0]!.current_user,
    );
    expect(currentUser).toBe(tenant);
  });

  it('stop() leaves no server process and no directory behind', async () => {
    const pids = cluster.nodes.map((node) => node.pid);
    expect(pids.every((pid) => typeof pid === 'number')).toBe(true);
    const processes = [...(pids as number[]), ...(await Promise.all((pids as number[]).map((pid) => listDescendants(pid)))).flat()];
    expect(processes.length).toBeGreaterThan(3);
    const directories = [cluster.directory, ...cluster.nodes.map((node) => node.dataDir)];
    await cluster.stop();
    expect((await Promise.all(processes.map((pid) => isAlive(pid)))).filter(Boolean)).toEqual([]);
    const left = await Promise.all(directories.map((dir) => lstat(dir).then(() => dir, () => undefined)));
    expect(left.filter(Boolean)).toEqual([]);
    expect(cluster.nodes.map((node) => node.pid)).toEqual([undefined, undefined, undefined]);
    expect(await connectOutcome({ connectionString: cluster.coordinatorUrl })).toBe('ECONNREFUSED');
  });
});

/**
 * Scale: create, remove, getTenant and one page of listTenantsPage with 0,
 * 10,000 and 50,000 tenants already present, on a cluster of its own.
 *
 * Seeding runs on the server (a DO block per batch of tenants, two sessions
 * in parallel): each seeded tenant is made of the statements of Tenantry's
 * create plan (role with every attribute and a SCRAM verifier, schema, grant,
 * four default privileges, the role's search_path, both markers byte for byte
 * as Tenantry writes them), without the per-tenant advisory locks and guard,
 * which leave nothing in the catalog. The suite checks that listTenantsPage
 * and getTenant see seeded tenants as whole Tenantry tenants.
 */
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { DatabaseAdmin } from '@tenantry/admin';
import { tenantStateQuery } from '@tenantry/sql/postgres';
import { minimalCreateTenant, minimalRemoveTenant, randomPassword, scramVerifier } from './minimal-client.js';
import { BENCH_DATABASE, connectedClient, tenantName, withClient } from './setup.js';
import { rotated, summarize, type Summary } from './stats.js';

/** One operation's latency on the seeded cluster and, interleaved round by round, on the empty one. */
export interface Paired {
  seeded: Summary;
  empty: Summary;
}

export interface ScaleLevel {
  level: number;
  /** Managed tenants counted in the seeded cluster's catalog before measuring. */
  present: number;
  seedMs: number;
  create: { tenantry: Paired; minimal: Paired };
  remove: { tenantry: Paired; minimal: Paired };
  getTenant: Paired;
  listFirstPage: Paired;
  listMiddlePage: Paired;
  pageSize: number;
  /** Each statement of a removal timed on its own (inside one transaction), to show where growth comes from. */
  removeSteps: Record<string, Paired>;
  /** Rows in pg_db_role_setting (one per tenant: its search_path) on the seeded cluster. */
  roleSettingRows: number;
}

const seedName = (i: number) => {
  const suffix = String(i).padStart(6, '0');
  return { schemaName: `t_seed_${suffix}`, username: `u_seed_${suffix}` };
};

const SEED_BLOCK = `
DO $seed$
DECLARE
  i int;
  s text;
  u text;
BEGIN
  FOR i IN %FROM%..%TO% LOOP
    s := 't_seed_' || lpad(i::text, 6, '0');
    u := 'u_seed_' || lpad(i::text, 6, '0');
    EXECUTE format('CREATE ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1 PASSWORD %L', u, %VERIFIER%);
    EXECUTE format('CREATE SCHEMA %I', s);
    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO %I', s, u);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT ALL ON TABLES TO %I', s, u);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT ALL ON SEQUENCES TO %I', s, u);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT ALL ON FUNCTIONS TO %I', s, u);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT ALL ON TYPES TO %I', s, u);
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET search_path = %I', u, %DATABASE%, s);
    EXECUTE format('COMMENT ON SCHEMA %I IS %L', s, 'tenantry:{"v":1,"role":' || to_json(u)::text || ',"createdAt":' || to_json(%CREATED%::text)::text || '}');
    EXECUTE format('COMMENT ON ROLE %I IS %L', u, 'tenantry:{"v":1,"schema":' || to_json(s)::text || ',"database":' || to_json(%DATABASE%::text)::text || '}');
  END LOOP;
END
$seed$`;

const lit = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** Seeds tenants `from..to` (1-based, inclusive) in batches over two sessions. */
export async function seedTenants(url: string, from: number, to: number, verifier: string, batch = 250): Promise<number> {
  const started = performance.now();
  const batches: [number, number][] = [];
  for (let start = from; start <= to; start += batch) batches.push([start, Math.min(to, start + batch - 1)]);
  const createdAt = new Date().toISOString();
  let next = 0;
  await Promise.all(
    [0, 1].map(() =>
      withClient(url, async (client) => {
        while (next < batches.length) {
          const [a, b] = batches[next++]!;
          await client.query(
            SEED_BLOCK.replace('%FROM%', String(a))
              .replace('%TO%', String(b))
              .replace('%VERIFIER%', lit(verifier))
              .replaceAll('%DATABASE%', lit(BENCH_DATABASE))
              .replace('%CREATED%', lit(createdAt)),
          );
        }
      }),
    ),
  );
  await withClient(url, (client) => client.query('VACUUM ANALYZE pg_catalog.pg_namespace, pg_catalog.pg_description, pg_catalog.pg_authid, pg_catalog.pg_shdescription, pg_catalog.pg_default_acl, pg_catalog.pg_db_role_setting, pg_catalog.pg_shdepend, pg_catalog.pg_depend'));
  return performance.now() - started;
}

async function countManaged(url: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_description d ON d.objoid = n.oid AND d.classoid = 'pg_catalog.pg_namespace'::regclass WHERE d.description LIKE 'tenantry:{%'`,
    );
    return Number(rows[0]!.n);
  });
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

type Side = 'empty' | 'seeded';
type Tenant = { schemaName: string; username: string };

/** Runs `work(side, round)` for both clusters in rotating order and pairs the timings. */
async function paired(rounds: number, warmup: number, work: (side: Side, round: number) => Promise<unknown>): Promise<Paired> {
  const times: Record<Side, number[]> = { empty: [], seeded: [] };
  for (let round = 0; round < rounds + warmup; round++) {
    for (const side of rotated(['empty', 'seeded'] as const, round)) {
      const ms = await timed(() => work(side, round));
      if (round >= warmup) times[side].push(ms);
    }
  }
  return { seeded: summarize(times.seeded), empty: summarize(times.empty) };
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * A removal split into its statements, each timed alone in one transaction:
 * Tenantry's catalog check (the tenant-state query), DROP SCHEMA ... CASCADE,
 * DROP OWNED BY, DROP ROLE.
 */
async function removeSteps(clients: Record<Side, pg.Client>, phase: string, rounds: number): Promise<Record<string, Paired>> {
  const times: Record<string, Record<Side, number[]>> = {};
  for (let round = 0; round < rounds + 3; round++) {
    for (const side of rotated(['empty', 'seeded'] as const, round)) {
      const client = clients[side];
      const tenant = { ...tenantName(phase, `b${side[0]}`, round), password: randomPassword() };
      await minimalCreateTenant(client, BENCH_DATABASE, tenant);
      const state = tenantStateQuery(tenant.schemaName, tenant.username, true);
      const steps: [string, () => Promise<unknown>][] = [
        ['tenant-state query (Tenantry only)', () => client.query(state.sql, [...state.parameters])],
        ['DROP SCHEMA ... CASCADE', () => client.query(`DROP SCHEMA ${ident(tenant.schemaName)} CASCADE`)],
        ['DROP OWNED BY', () => client.query(`DROP OWNED BY ${ident(tenant.username)}`)],
        ['DROP ROLE', () => client.query(`DROP ROLE ${ident(tenant.username)}`)],
      ];
      await client.query('BEGIN');
      for (const [name, step] of steps) {
        const ms = await timed(step);
        if (round >= 3) ((times[name] ??= { empty: [], seeded: [] })[side]).push(ms);
      }
      await client.query('COMMIT');
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, t]) => [name, { seeded: summarize(t.seeded), empty: summarize(t.empty) }]));
}

/**
 * Two clusters side by side: one stays empty (the "0 tenants" baseline), the
 * other is seeded up to each level. Every operation alternates between them
 * round by round, so each ratio "at N vs at 0" is measured under the same
 * machine load rather than minutes apart.
 */
export async function measureScale(options: {
  emptyUrl: string;
  seededUrl: string;
  levels: number[];
  samples: number;
  listSamples: number;
  log?: (line: string) => void;
}): Promise<ScaleLevel[]> {
  const urls: Record<Side, string> = { empty: options.emptyUrl, seeded: options.seededUrl };
  const admins: Record<Side, DatabaseAdmin> = { empty: new DatabaseAdmin(urls.empty), seeded: new DatabaseAdmin(urls.seeded) };
  const minimal: Record<Side, pg.Client> = { empty: await connectedClient(urls.empty), seeded: await connectedClient(urls.seeded) };
  const verifier = await scramVerifier(randomPassword());
  const results: ScaleLevel[] = [];
  let seeded = 0;
  const warmup = 5;
  try {
    for (const side of ['empty', 'seeded'] as const) await admins[side].listTenantsPage({ limit: 1 }); // server facts, pool
    for (const [index, level] of options.levels.entries()) {
      let seedMs = 0;
      if (level > seeded) {
        options.log?.(`  seeding tenants ${seeded + 1}..${level}`);
        seedMs = await seedTenants(urls.seeded, seeded + 1, level, verifier);
        seeded = level;
        options.log?.(`  seeded in ${(seedMs / 1000).toFixed(1)} s`);
      }
      const present = await countManaged(urls.seeded);
      if (seeded > 0) {
        // Seeded tenants must look exactly like Tenantry's own.
        const probe = seedName(Math.max(1, Math.floor(seeded / 2)));
        const details = await admins.seeded.getTenant(probe.schemaName);
        const page = await admins.seeded.listTenantsPage({ after: seedName(Math.max(0, Math.floor(seeded / 2) - 1)).schemaName, limit: 1 });
        if (!details?.roleIntact || details.username !== probe.username || details.settings['search_path']?.replace(/"/g, '') !== probe.schemaName || page.tenants[0]?.schemaName !== probe.schemaName || !page.tenants[0].roleIntact) {
          throw new Error(`seeded tenant ${probe.schemaName} is not seen as a whole Tenantry tenant: ${JSON.stringify({ details, page })}`);
        }
      }
      const phase = `s${index}`;
      const created: Record<'tenantry' | 'minimal', Record<Side, Tenant[]>> = { tenantry: { empty: [], seeded: [] }, minimal: { empty: [], seeded: [] } };
      const createWith = (who: 'tenantry' | 'minimal') => async (side: Side, round: number) => {
        const tenant = { ...tenantName(phase, `${who === 'tenantry' ? 'a' : 'm'}${side[0]}`, round), password: randomPassword() };
        await (who === 'tenantry' ? admins[side].createTenant(tenant) : minimalCreateTenant(minimal[side], BENCH_DATABASE, tenant));
        created[who][side].push(tenant);
      };
      // Tenantry and the minimal client alternate too: one round of each, rotated.
      const create = { tenantry: { seeded: [] as number[], empty: [] as number[] }, minimal: { seeded: [] as number[], empty: [] as number[] } };
      for (let round = 0; round < options.samples + warmup; round++) {
        for (const who of rotated(['tenantry', 'minimal'] as const, round)) {
          for (const side of rotated(['empty', 'seeded'] as const, round >> 1)) {
            const ms = await timed(() => createWith(who)(side, round));
            if (round >= warmup) create[who][side].push(ms);
          }
        }
      }
      const getTenant = await paired(options.samples, warmup, async (side, round) => {
        const target = side === 'seeded' && seeded > 0 ? seedName(1 + Math.floor(Math.random() * seeded)) : created.tenantry[side][round % created.tenantry[side].length]!;
        if (!(await admins[side].getTenant(target.schemaName))) throw new Error(`getTenant(${target.schemaName}) found nothing`);
      });
      let pageSize = 0;
      const listFirstPage = await paired(options.listSamples, 3, async (side) => {
        const page = await admins[side].listTenantsPage({});
        if (side === 'seeded') pageSize = page.tenants.length;
      });
      const middle: Record<Side, string> = {
        empty: created.tenantry.empty[Math.floor(created.tenantry.empty.length / 2)]!.schemaName,
        seeded: seeded > 0 ? seedName(Math.floor(seeded / 2)).schemaName : created.tenantry.seeded[Math.floor(created.tenantry.seeded.length / 2)]!.schemaName,
      };
      const listMiddlePage = await paired(options.listSamples, 3, (side) => admins[side].listTenantsPage({ after: middle[side] }));
      const remove = { tenantry: { seeded: [] as number[], empty: [] as number[] }, minimal: { seeded: [] as number[], empty: [] as number[] } };
      for (let round = 0; round < options.samples + warmup; round++) {
        for (const who of rotated(['tenantry', 'minimal'] as const, round)) {
          for (const side of rotated(['empty', 'seeded'] as const, round >> 1)) {
            const tenant = created[who][side][round]!;
            const ms = await timed(() => (who === 'tenantry' ? admins[side].removeTenant(tenant) : minimalRemoveTenant(minimal[side], tenant)));
            if (round >= warmup) remove[who][side].push(ms);
          }
        }
      }
      const steps = await removeSteps(minimal, `${phase}x`, Math.max(10, Math.floor(options.samples / 2)));
      const roleSettingRows = await withClient(urls.seeded, async (client) => Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_catalog.pg_db_role_setting')).rows[0]!.n));
      const pair = (times: { seeded: number[]; empty: number[] }): Paired => ({ seeded: summarize(times.seeded), empty: summarize(times.empty) });
      const result: ScaleLevel = {
        level,
        present,
        seedMs,
        create: { tenantry: pair(create.tenantry), minimal: pair(create.minimal) },
        remove: { tenantry: pair(remove.tenantry), minimal: pair(remove.minimal) },
        getTenant,
        listFirstPage,
        listMiddlePage,
        pageSize,
        removeSteps: steps,
        roleSettingRows,
      };
      results.push(result);
      const r = (p: Paired) => `${p.seeded.median.toFixed(2)} ms (${(p.seeded.median / p.empty.median).toFixed(2)}x of empty)`;
      options.log?.(`  level ${level}: create ${r(result.create.tenantry)}, minimal ${r(result.create.minimal)}, remove ${r(result.remove.tenantry)}, get ${r(getTenant)}, list ${r(listFirstPage)} / ${r(listMiddlePage)}`);
    }
  } finally {
    await Promise.all([admins.empty.close(), admins.seeded.close(), minimal.empty.end(), minimal.seeded.end()]);
  }
  return results;
}

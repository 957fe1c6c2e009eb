/**
 * Bulk creation: Tenantry's createTenants against the minimal client with the
 * same number of connections, and pgbench, in interleaved rounds.
 */
import { performance } from 'node:perf_hooks';
import { LatenessProbe } from './event-loop.js';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { DatabaseAdmin, type TenantConfig } from '@tenantry/admin';
import { minimalCreateTenant, randomPassword } from './minimal-client.js';
import { pgbenchScript, runPgbench } from './pgbench.js';
import { BENCH_DATABASE, connectedClient, countSchemas, tenantName } from './setup.js';
import { rotated } from './stats.js';

export interface ChunkTiming {
  tenants: number;
  ms: number;
}

export interface EventLoopStats {
  /** Lateness of a 1 ms timer during the Tenantry chunks, ms. */
  p50: number;
  p99: number;
  max: number;
  /** Event loop utilisation (0..1) over the Tenantry chunks. */
  utilization: number;
}

/** CPU time of this whole process (all threads: main, libuv pool) per tenant, µs. */
export interface ClientCpu {
  tenantry: number;
  minimal: number;
}

export interface BulkComparison {
  concurrency: number;
  tenantsPerContender: number;
  rounds: number;
  /** tenants per second */
  tenantry: number;
  minimal: number;
  pgbench: number | undefined;
  eventLoop: EventLoopStats;
  clientCpuMicrosPerTenant: ClientCpu;
  /** How createTenants ran (or why a fallback was used). */
  tenantryMode: string;
}

/** The Tenantry side: `createTenants`, or, if that throws "not implemented", `concurrency` workers calling createTenant. */
async function tenantryBulk(admin: DatabaseAdmin, configs: TenantConfig[], concurrency: number, mode: { value: string }): Promise<void> {
  if (mode.value === 'createTenants') {
    try {
      const results = await admin.createTenants(configs, { concurrency });
      const failed = results.filter((result) => result.status !== 'created');
      if (failed.length > 0) throw new Error(`${failed.length} tenants failed: ${JSON.stringify(failed[0])}`);
      return;
    } catch (error) {
      if (!/not implemented/i.test((error as Error).message)) throw error;
      mode.value = `fallback: ${concurrency} workers calling createTenant (createTenants: ${(error as Error).message})`;
    }
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < configs.length) await admin.createTenant(configs[next++]!);
    }),
  );
}

async function minimalBulk(clients: pg.Client[], configs: TenantConfig[]): Promise<void> {
  let next = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (next < configs.length) {
        const config = configs[next++]!;
        await minimalCreateTenant(client, BENCH_DATABASE, { schemaName: config.schemaName, username: config.username, password: config.password! });
      }
    }),
  );
}

let serial = 0;
function configsFor(phase: string, code: string, count: number): TenantConfig[] {
  return Array.from({ length: count }, () => ({ ...tenantName(phase, code, ++serial), password: randomPassword() }));
}

export async function compareBulk(options: {
  url: string;
  phase: string;
  concurrency: number;
  tenantsPerContender: number;
  rounds: number;
  withPgbench: boolean;
  threads: number;
  log?: (line: string) => void;
}): Promise<BulkComparison> {
  const admin = new DatabaseAdmin(options.url);
  const clients = await Promise.all(Array.from({ length: options.concurrency }, () => connectedClient(options.url)));
  const mode = { value: 'createTenants' };
  const totals = { tenantry: { tenants: 0, ms: 0 }, minimal: { tenants: 0, ms: 0 }, pgbench: { tenants: 0, ms: 0 } };
  const probe = new LatenessProbe();
  const cpu = { tenantry: 0, minimal: 0 };
  let elu = performance.eventLoopUtilization();
  let eluTotal = { idle: 0, active: 0 };
  const scriptPath = join(tmpdir(), `tenantry-bench-${process.pid}.pgbench.sql`);
  const contenders = options.withPgbench ? (['tenantry', 'minimal', 'pgbench'] as const) : (['tenantry', 'minimal'] as const);
  try {
    // Warm-up: pool connections, server facts, JIT.
    await tenantryBulk(admin, configsFor(options.phase, 'w', options.concurrency * 4), options.concurrency, mode);
    await minimalBulk(clients, configsFor(options.phase, 'v', options.concurrency * 4));
    const perRound = Math.ceil(options.tenantsPerContender / options.rounds);
    for (let round = 0; round < options.rounds; round++) {
      for (const name of rotated(contenders, round)) {
        if (name === 'pgbench') {
          const perClient = Math.ceil(perRound / options.concurrency);
          const result = await runPgbench(options.url, {
            scriptPath,
            script: pgbenchScript(BENCH_DATABASE, `${options.phase}r${round}`),
            clients: options.concurrency,
            threads: Math.min(options.concurrency, options.threads),
            transactionsPerClient: perClient,
          });
          if (result.failed > 0) throw new Error(`pgbench: ${result.failed} failed transactions`);
          totals.pgbench.tenants += result.tenants;
          totals.pgbench.ms += (result.tenants / result.tps) * 1000;
          continue;
        }
        const configs = configsFor(options.phase, name === 'tenantry' ? 'a' : 'm', perRound);
        const started = performance.now();
        const cpuBefore = process.cpuUsage();
        if (name === 'tenantry') {
          elu = performance.eventLoopUtilization();
          probe.start();
          await tenantryBulk(admin, configs, options.concurrency, mode);
          probe.stop();
          const delta = performance.eventLoopUtilization(elu);
          eluTotal = { idle: eluTotal.idle + delta.idle, active: eluTotal.active + delta.active };
        } else {
          await minimalBulk(clients, configs);
        }
        totals[name].ms += performance.now() - started;
        const cpuUsed = process.cpuUsage(cpuBefore);
        cpu[name] += cpuUsed.user + cpuUsed.system;
        totals[name].tenants += configs.length;
      }
      options.log?.(`  bulk c=${options.concurrency} round ${round + 1}/${options.rounds}`);
    }
  } finally {
    await admin.close();
    await Promise.all(clients.map((client) => client.end()));
    await rm(scriptPath, { force: true });
  }
  const a = await countSchemas(options.url, `t_${options.phase}_a_`);
  const m = await countSchemas(options.url, `t_${options.phase}_m_`);
  if (a < totals.tenantry.tenants || m < totals.minimal.tenants) throw new Error(`bulk: expected ${totals.tenantry.tenants}/${totals.minimal.tenants} schemas, found ${a}/${m}`);
  const rate = (total: { tenants: number; ms: number }) => (total.tenants / total.ms) * 1000;
  return {
    concurrency: options.concurrency,
    tenantsPerContender: totals.tenantry.tenants,
    rounds: options.rounds,
    tenantry: rate(totals.tenantry),
    minimal: rate(totals.minimal),
    pgbench: options.withPgbench ? rate(totals.pgbench) : undefined,
    eventLoop: {
      ...probe.summary(),
      utilization: eluTotal.active / Math.max(1e-9, eluTotal.active + eluTotal.idle),
    },
    clientCpuMicrosPerTenant: { tenantry: cpu.tenantry / totals.tenantry.tenants, minimal: cpu.minimal / totals.minimal.tenants },
    tenantryMode: mode.value,
  };
}

/**
 * Issue 15: does the reserve of generated secrets (made ahead on a worker
 * thread) take CPU the server needs when many tenants are created at once?
 * createTenants with generated passwords, with the reserve (its default size)
 * and without it (`generatedSecretReserve: 0`), at each concurrency, in
 * interleaved rounds on the same server, each contender's admin warmed up
 * first; tenants per second, wall clock.
 */
import { performance } from 'node:perf_hooks';
import { DatabaseAdmin } from '@tenantry/admin';
import { countSchemas, tenantName } from './setup.js';

export interface BulkReservePoint {
  concurrency: number;
  tenantsPerContender: number;
  /** Tenants per second with the reserve, and without it. */
  withReserve: number;
  withoutReserve: number;
}

export interface BulkReserveResult {
  rounds: number;
  points: BulkReservePoint[];
}

const CONTENDERS = [
  { name: 'withReserve', code: 'r', options: {} },
  { name: 'withoutReserve', code: 'n', options: { generatedSecretReserve: 0 } },
] as const;

export async function compareBulkReserve(options: { url: string; concurrencies: number[]; tenants: number; rounds: number; log: (line: string) => void }): Promise<BulkReserveResult> {
  const points: BulkReservePoint[] = [];
  // One admin per contender for the whole phase, warmed up (pool, server facts, the reserve's worker) before any timing.
  const admins = { withReserve: new DatabaseAdmin(options.url, CONTENDERS[0].options), withoutReserve: new DatabaseAdmin(options.url, CONTENDERS[1].options) };
  try {
    for (const contender of CONTENDERS) {
      const warmup = Array.from({ length: 16 }, (_, i) => tenantName('qw', contender.code, i));
      await admins[contender.name].createTenants(warmup, { concurrency: 4 });
    }
    for (const concurrency of options.concurrencies) points.push(await measureAt(concurrency));
  } finally {
    await Promise.all([admins.withReserve.close(), admins.withoutReserve.close()]);
  }
  return { rounds: options.rounds, points };

  async function measureAt(concurrency: number): Promise<BulkReservePoint> {
    const ms = { withReserve: 0, withoutReserve: 0 };
    const perRound = Math.ceil(options.tenants / options.rounds);
    let made = 0;
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? CONTENDERS : [...CONTENDERS].reverse();
      for (const contender of order) {
        const configs = Array.from({ length: perRound }, (_, i) => tenantName(`q${concurrency}`, contender.code, made + i));
        const started = performance.now();
        const results = await admins[contender.name].createTenants(configs, { concurrency });
        ms[contender.name] += performance.now() - started;
        const failed = results.filter((result) => result.status !== 'created');
        if (failed.length > 0) throw new Error(`${failed.length} tenants failed: ${JSON.stringify(failed[0])}`);
      }
      made += perRound;
    }
    for (const contender of CONTENDERS) {
      const created = await countSchemas(options.url, `t_q${concurrency}_${contender.code}_`);
      if (created !== made) throw new Error(`${contender.name} created ${created} tenants at concurrency ${concurrency}, expected ${made}`);
    }
    const point = { concurrency, tenantsPerContender: made, withReserve: (made / ms.withReserve) * 1000, withoutReserve: (made / ms.withoutReserve) * 1000 };
    options.log(`  bulk-reserve c=${concurrency}: with ${point.withReserve.toFixed(0)}/s, without ${point.withoutReserve.toFixed(0)}/s`);
    return point;
  }
}

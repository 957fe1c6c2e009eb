/**
 * Single-create latency: Tenantry's createTenant against the three baselines,
 * interleaved one tenant at a time in rotating order, so drift in machine load
 * hits every contender alike.
 */
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { DatabaseAdmin } from '@tenantry/admin';
import { createStatements, minimalCreateTenant, randomPassword } from './minimal-client.js';
import { originalCreateTenant } from './original-client.js';
import { PsqlSession } from './psql-session.js';
import { BENCH_DATABASE, connectedClient, countSchemas, tenantName } from './setup.js';
import { rotated, summarize, type Summary } from './stats.js';

export const CONTENDERS = ['tenantry', 'minimal', 'psql', 'original'] as const;
export type ContenderName = (typeof CONTENDERS)[number];
const CODES: Record<ContenderName, string> = { tenantry: 'a', minimal: 'm', psql: 'p', original: 'o' };

export interface LatencyResult {
  tenants: number;
  summaries: Record<ContenderName, Summary>;
}

export interface Contenders {
  create: Record<ContenderName, (n: number) => Promise<number>>;
  close(): Promise<void>;
}

/**
 * Opens the four contenders on `url` (node clients) and `psqlTarget` (psql).
 * Each create resolves with its latency in ms: measured around the call for
 * the Node clients, psql's own \timing for psql.
 */
export async function openContenders(url: string, phase: string, psqlTarget: { port?: number } = {}): Promise<Contenders> {
  const admin = new DatabaseAdmin(url);
  const minimal: pg.Client = await connectedClient(url);
  const original: pg.Client = await connectedClient(url);
  const psql = new PsqlSession(url, psqlTarget);
  const timed = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  return {
    create: {
      tenantry: (n) => {
        const config = { ...tenantName(phase, CODES.tenantry, n), password: randomPassword() };
        return timed(() => admin.createTenant(config));
      },
      minimal: (n) => {
        const config = { ...tenantName(phase, CODES.minimal, n), password: randomPassword() };
        return timed(() => minimalCreateTenant(minimal, BENCH_DATABASE, config));
      },
      psql: (n) => psql.run(createStatements(tenantName(phase, CODES.psql, n), BENCH_DATABASE, randomPassword(), new Date())),
      original: (n) => {
        const config = { ...tenantName(phase, CODES.original, n), password: randomPassword() };
        return timed(() => originalCreateTenant(original, config));
      },
    },
    close: async () => {
      await Promise.all([admin.close(), minimal.end(), original.end(), psql.close()]);
    },
  };
}

export async function compareLatency(options: {
  url: string;
  /** The server's URL, for the sanity counts (not through a relay). */
  directUrl: string;
  phase: string;
  tenants: number;
  warmup: number;
  psqlTarget?: { port?: number };
  onProgress?: (done: number) => void;
}): Promise<LatencyResult> {
  const contenders = await openContenders(options.url, options.phase, options.psqlTarget);
  const samples: Record<ContenderName, number[]> = { tenantry: [], minimal: [], psql: [], original: [] };
  try {
    let n = 0;
    for (let round = 0; round < options.warmup + options.tenants; round++) {
      n += 1;
      for (const name of rotated(CONTENDERS, round)) {
        const ms = await contenders.create[name](n);
        if (round >= options.warmup) samples[name].push(ms);
      }
      if (round % 50 === 0) options.onProgress?.(round);
    }
  } finally {
    await contenders.close();
  }
  for (const name of CONTENDERS) {
    const created = await countSchemas(options.directUrl, `t_${options.phase}_${CODES[name]}_`);
    if (created !== options.warmup + options.tenants) throw new Error(`${name} created ${created} tenants, expected ${options.warmup + options.tenants}`);
  }
  return {
    tenants: options.tenants,
    summaries: Object.fromEntries(CONTENDERS.map((name) => [name, summarize(samples[name])])) as Record<ContenderName, Summary>,
  };
}

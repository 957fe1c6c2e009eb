import { cpus } from 'node:os';

/** Every size of a run; BENCH_QUICK=1 shrinks them all for a development run, and each can be set on its own. */
export interface BenchConfig {
  quick: boolean;
  /** Phases to run (BENCH_PHASES=latency,delayed,roundtrips,bulk,memory,scale,planning,schema,schema-size,fleet,credentials,critical-path,bulk-reserve). */
  phases: ReadonlySet<string>;
  /** Tenants per contender in the single-create latency comparison (issue: at least 500). */
  latencyTenants: number;
  /** Same, over the delayed link. */
  delayedTenants: number;
  /** Untimed creates per contender before timing starts. */
  warmup: number;
  /** One-way delay of the emulated link, ms. */
  linkDelayMs: number;
  /** createTenant calls whose protocol messages are counted. */
  roundTripTenants: number;
  /** Concurrencies tried for bulk creation. */
  concurrencies: number[];
  /** Tenants per contender and concurrency in the probe that picks the best concurrency. */
  probeTenants: number;
  /** Tenants per contender in the bulk comparison. */
  bulkTenants: number;
  /** Interleaved rounds the bulk comparison is split into. */
  bulkRounds: number;
  /** Tenants of the single-call runs whose peak RSS is measured. */
  memoryTenants: number;
  /** Tenants present when create/remove/get/list are measured. */
  scaleLevels: number[];
  /** Creates (and removes, lookups) timed per contender at each level. */
  scaleSamples: number;
  /** listTenantsPage calls timed per level and page kind. */
  listSamples: number;
  /** How long planning alone is timed, ms. */
  planningMs: number;
  /** Tables the benchmark schema is cut to in the schema-size phase (1 to 100). */
  schemaSizes: number[];
  /** Timed creates per size and way in the schema-size phase. */
  schemaSizeSamples: number;
  /** Tenants of the fleet phase. */
  fleetTenants: number;
  /** Fleet size of the first no-op migrateTenants (the per-tenant cost is compared with the one over the whole fleet). */
  fleetSmallLevel: number;
  /** Concurrencies of the fleet's pending-migration runs (Tenantry and pgbench). */
  fleetConcurrencies: number[];
  /** Tenants the credentials phase issues credentials for, in turn. */
  credentialsTenants: number;
  /** Credentials per contender, concurrency and round in the credentials phase. */
  credentialsPerRound: number;
  /** Interleaved rounds of the credentials phase. */
  credentialsRounds: number;
  /** Concurrencies of the credentials phase (1: one at a time). */
  credentialsConcurrencies: number[];
  /** Rounds of the critical-path phase (each: four creates and two removes, interleaved). */
  criticalSamples: number;
  /** Superuser URL of a server the suite does not start, for the critical-path phase's second half (this machine's PostgreSQL 15, fsync on). */
  externalServerUrl: string;
  /** Concurrencies of the bulk-reserve comparison (createTenants with and without the generated-secret reserve). */
  reserveConcurrencies: number[];
  /** Tenants per contender, concurrency and round in the bulk-reserve comparison. */
  reserveTenants: number;
  /** Where results (JSON, Markdown table, SVG chart) are written. */
  outDir: string;
}

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number, got ${raw}`);
  return value;
}

function list(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  return raw.split(',').map((part) => {
    const value = Number(part.trim());
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must list whole numbers, got ${raw}`);
    return value;
  });
}

const ALL_PHASES = ['planning', 'roundtrips', 'latency', 'delayed', 'bulk', 'memory', 'scale', 'schema', 'schema-size', 'fleet', 'credentials', 'critical-path', 'bulk-reserve'];

export function loadConfig(packageDir: string): BenchConfig {
  const quick = process.env['BENCH_QUICK'] === '1';
  const phases = new Set((process.env['BENCH_PHASES'] ?? ALL_PHASES.join(',')).split(',').map((p) => p.trim()).filter(Boolean));
  for (const phase of phases) if (!ALL_PHASES.includes(phase)) throw new RangeError(`unknown phase ${phase}; use ${ALL_PHASES.join(',')}`);
  return {
    quick,
    phases,
    latencyTenants: int('BENCH_LATENCY_TENANTS', quick ? 40 : 500),
    delayedTenants: int('BENCH_DELAYED_TENANTS', quick ? 20 : 500),
    warmup: int('BENCH_WARMUP', quick ? 5 : 25),
    linkDelayMs: int('BENCH_LINK_DELAY_MS', 1),
    roundTripTenants: int('BENCH_ROUNDTRIP_TENANTS', quick ? 10 : 50),
    concurrencies: list('BENCH_CONCURRENCIES', [2, 4, 8]),
    probeTenants: int('BENCH_PROBE_TENANTS', quick ? 60 : 600),
    bulkTenants: int('BENCH_BULK_TENANTS', quick ? 300 : 10_000),
    bulkRounds: int('BENCH_BULK_ROUNDS', quick ? 2 : 5),
    memoryTenants: int('BENCH_MEMORY_TENANTS', quick ? 300 : 10_000),
    scaleLevels: list('BENCH_SCALE_LEVELS', quick ? [0, 300, 1500] : [0, 10_000, 50_000]),
    scaleSamples: int('BENCH_SCALE_SAMPLES', quick ? 20 : 200),
    listSamples: int('BENCH_LIST_SAMPLES', quick ? 10 : 50),
    planningMs: int('BENCH_PLANNING_MS', quick ? 300 : 2000),
    schemaSizes: list('BENCH_SCHEMA_SIZES', [10, 25, 50, 100]),
    schemaSizeSamples: int('BENCH_SCHEMA_SAMPLES', quick ? 3 : 15),
    fleetTenants: int('BENCH_FLEET_TENANTS', quick ? 1000 : 10_000),
    fleetSmallLevel: int('BENCH_FLEET_SMALL', 200),
    fleetConcurrencies: list('BENCH_FLEET_CONCURRENCIES', [4, 8]),
    credentialsTenants: int('BENCH_CREDENTIALS_TENANTS', quick ? 8 : 50),
    credentialsPerRound: int('BENCH_CREDENTIALS_PER_ROUND', quick ? 100 : 1000),
    credentialsRounds: int('BENCH_CREDENTIALS_ROUNDS', quick ? 2 : 3),
    credentialsConcurrencies: list('BENCH_CREDENTIALS_CONCURRENCIES', [1, 4, 8]),
    criticalSamples: int('BENCH_CRITICAL_SAMPLES', quick ? 40 : 400),
    externalServerUrl: process.env['BENCH_EXTERNAL_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    reserveConcurrencies: list('BENCH_RESERVE_CONCURRENCIES', [1, 4, 8]),
    reserveTenants: int('BENCH_RESERVE_TENANTS', quick ? 100 : 600),
    outDir: process.env['BENCH_OUT_DIR'] ?? `${packageDir}/${quick ? 'results-quick' : 'results'}`,
  };
}

export function defaultThreads(): number {
  return Math.max(1, cpus().length);
}

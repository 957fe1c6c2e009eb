/**
 * Tenantry's benchmark suite (issue 6). One command:
 *   npx --yes pnpm@10.28.2 --filter @tenantry/benchmarks bench
 * BENCH_QUICK=1 for a small development run; every size has its own variable
 * (see config.ts). Progress goes to stderr; the results table to stdout and,
 * with the details, JSON and the chart, to results/ (results-quick/).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareBulk, type BulkComparison } from './bulk.js';
import { defaultThreads, loadConfig } from './config.js';
import { compareDelayed } from './delayed.js';
import { compareLatency } from './latency.js';
import { machineInfo } from './machine.js';
import { cliEntry, measureBulkMemory, measureCliImport } from './memory.js';
import { checkEventLoop, checkTemplateMatchesPlan, measurePlanning } from './planning.js';
import { detailTables, resultsTable, runHeader, scaleChart, schemaSizeChart, type Results } from './report.js';
import { countRoundTrips } from './round-trips.js';
import { measureClientOverhead } from './client-overhead.js';
import { measureScale } from './scale.js';
import { compareSchemaCreate } from './schema-create.js';
import { measureSchemaSize } from './schema-size.js';
import { measureFleet } from './fleet.js';
import { measureCredentials } from './credentials.js';
import { BENCH_DATABASE, openExternalBench, startBenchServer, type BenchServer } from './setup.js';
import { measureCriticalPath } from './critical-path.js';
import { compareBulkReserve } from './bulk-reserve.js';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(packageDir, '../..');
const config = loadConfig(packageDir);
const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const started = Date.now();

const results: Results = {
  command: 'npx --yes pnpm@10.28.2 --filter @tenantry/benchmarks bench',
  startedAt: new Date().toISOString(),
  durationSeconds: 0,
  quick: config.quick,
  sizes: { ...config, phases: [...config.phases], outDir: undefined },
  machine: machineInfo(),
  postgres: { version: '', serverVersionNum: 0, harnessFlags: 'fsync=off, full_page_writes=off, synchronous_commit=on (harness defaults), password_encryption=scram-sha-256' },
  loadAverages: [],
  errors: [],
};

async function phase<T>(name: string, work: () => Promise<T>, label = name): Promise<T | undefined> {
  if (!config.phases.has(name)) return undefined;
  const [load1, load5] = loadavg();
  results.loadAverages.push({ phase: label, load1: load1!, load5: load5! });
  log(`phase ${label} (load ${load1!.toFixed(2)})`);
  const phaseStarted = Date.now();
  try {
    const value = await work();
    log(`phase ${label} done in ${((Date.now() - phaseStarted) / 1000).toFixed(1)} s`);
    return value;
  } catch (error) {
    const message = error instanceof Error ? `${error.message}` : String(error);
    log(`phase ${label} FAILED: ${message}`);
    results.errors.push({ phase: label, message: message.slice(0, 500) });
    return undefined;
  }
}

async function main(): Promise<void> {
  log(`${config.quick ? 'QUICK run' : 'full run'}; phases ${[...config.phases].join(',')}; results to ${config.outDir}`);
  results.templateCheck = await checkTemplateMatchesPlan();
  log(`minimal client's script is byte-identical to planToScript(planCreateTenant(...)) for ${results.templateCheck} specs`);

  results.planning = await phase('planning', () => measurePlanning(config.planningMs));
  results.eventLoop = await phase('planning', () => checkEventLoop(), 'event-loop');

  const needsMain = ['roundtrips', 'latency', 'delayed', 'bulk', 'memory', 'schema', 'schema-size'].some((p) => config.phases.has(p));
  if (needsMain) {
    log('starting the embedded PostgreSQL for latency, round trips and bulk');
    const server: BenchServer = await startBenchServer();
    results.postgres.version = server.version;
    results.postgres.serverVersionNum = server.server.serverVersionNum;
    log(server.version);
    try {
      results.roundTrips = await phase('roundtrips', () => countRoundTrips({ url: server.url, calls: config.roundTripTenants }));
      results.clientOverhead = await phase('roundtrips', () => measureClientOverhead(server.url, config.quick ? 100 : 600), 'client-overhead');
      results.latency = await phase('latency', () =>
        compareLatency({ url: server.url, directUrl: server.url, phase: 'l0', tenants: config.latencyTenants, warmup: config.warmup, onProgress: (n) => n % 100 === 0 && log(`  latency round ${n}`) }),
      );
      results.delayed = await phase('delayed', () =>
        compareDelayed({ url: server.url, tenants: config.delayedTenants, warmup: config.warmup, delayMs: config.linkDelayMs, onProgress: (n) => n % 100 === 0 && log(`  delayed round ${n}`) }),
      );
      let best: number | undefined;
      await phase('bulk', async () => {
        const probes: BulkComparison[] = [];
        for (const concurrency of config.concurrencies) {
          probes.push(await compareBulk({ url: server.url, phase: `b${concurrency}`, concurrency, tenantsPerContender: config.probeTenants, rounds: 2, withPgbench: false, threads: defaultThreads(), log }));
          log(`  probe c=${concurrency}: Tenantry ${probes.at(-1)!.tenantry.toFixed(0)}/s, minimal ${probes.at(-1)!.minimal.toFixed(0)}/s`);
        }
        results.bulkProbe = probes;
        best = probes.reduce((a, b) => (b.tenantry > a.tenantry ? b : a)).concurrency;
        log(`  best concurrency for createTenants here: ${best}`);
        results.bulk = await compareBulk({ url: server.url, phase: 'bk', concurrency: best, tenantsPerContender: config.bulkTenants, rounds: config.bulkRounds, withPgbench: true, threads: defaultThreads(), log });
      });
      results.schemaCreate = await phase('schema', () => compareSchemaCreate(server.url, config.quick ? 3 : 10));
      results.schemaSize = await phase('schema-size', () => measureSchemaSize({ url: server.url, sizes: config.schemaSizes, samples: config.schemaSizeSamples, log }));
      await phase('memory', async () => {
        const concurrency = best ?? 4;
        results.memory = [];
        for (const [mode, label, prefix] of [
          ['createTenants', `createTenants (array in, array out), concurrency ${concurrency}`, 'ma'],
          ['createTenantsStream', `createTenantsStream (lazy in, streamed out), concurrency ${concurrency}`, 'ms'],
          ['minimal', `minimal client, ${concurrency} connections`, 'mm'],
        ] as const) {
          log(`  memory: ${label}`);
          results.memory.push(await measureBulkMemory({ url: server.url, mode, label, tenants: config.memoryTenants, concurrency, prefix }));
        }
        log(`  CLI: ${cliEntry(repoRoot) ?? 'not built'}`);
        results.cli = await measureCliImport({ repoRoot, url: server.url, tenants: config.memoryTenants, concurrency, prefix: 'mc' });
      });
    } finally {
      await server.stop();
    }
  }

  if (config.phases.has('scale')) {
    log('starting two fresh embedded PostgreSQL clusters for the scale phase (one stays empty, one is seeded)');
    const [empty, seeded] = await Promise.all([startBenchServer(), startBenchServer()]);
    results.postgres.version ||= seeded.version;
    results.postgres.serverVersionNum ||= seeded.server.serverVersionNum;
    try {
      results.scale = await phase('scale', () =>
        measureScale({ emptyUrl: empty.url, seededUrl: seeded.url, levels: config.scaleLevels, samples: config.scaleSamples, listSamples: config.listSamples, log }),
      );
    } finally {
      await Promise.all([empty.stop(), seeded.stop()]);
    }
  }

  if (config.phases.has('fleet')) {
    log(`starting a fresh embedded PostgreSQL for the fleet phase (${config.fleetTenants.toLocaleString('en-US')} tenants)`);
    const fleetServer = await startBenchServer();
    results.postgres.version ||= fleetServer.version;
    results.postgres.serverVersionNum ||= fleetServer.server.serverVersionNum;
    try {
      results.fleet = await phase('fleet', () =>
        measureFleet({ url: fleetServer.url, tenants: config.fleetTenants, smallLevel: config.fleetSmallLevel, concurrencies: config.fleetConcurrencies, threads: defaultThreads(), log }),
      );
    } finally {
      await fleetServer.stop();
    }
  }

  if (config.phases.has('credentials')) {
    log('starting a fresh embedded PostgreSQL for the credentials phase');
    const credentialsServer = await startBenchServer();
    results.postgres.version ||= credentialsServer.version;
    results.postgres.serverVersionNum ||= credentialsServer.server.serverVersionNum;
    try {
      results.credentials = await phase('credentials', () =>
        measureCredentials({
          url: credentialsServer.url,
          tenants: config.credentialsTenants,
          credentialsPerRound: config.credentialsPerRound,
          rounds: config.credentialsRounds,
          concurrencies: config.credentialsConcurrencies,
          threads: defaultThreads(),
          log,
        }),
      );
    } finally {
      await credentialsServer.stop();
    }
  }

  if (config.phases.has('critical-path')) {
    results.criticalPath = [];
    log('starting a fresh embedded PostgreSQL for the critical-path phase');
    const embedded = await startBenchServer();
    try {
      const run = await phase('critical-path', () =>
        measureCriticalPath({ url: embedded.url, database: BENCH_DATABASE, server: 'embedded PostgreSQL 18, fsync off', version: embedded.version, samples: config.criticalSamples, warmup: config.warmup, phase: 'cp', log }),
      );
      if (run) results.criticalPath.push(run);
    } finally {
      await embedded.stop();
    }
    const external = await openExternalBench(config.externalServerUrl);
    if (external === undefined) {
      log(`critical-path: no server answers at BENCH_EXTERNAL_URL's address; that half did not run`);
      results.errors.push({ phase: 'critical-path', message: 'the external server (BENCH_EXTERNAL_URL) did not answer: its half did not run' });
    } else {
      try {
        const run = await phase('critical-path', () =>
          measureCriticalPath({ url: external.url, database: external.database, server: external.label, version: external.version, samples: config.criticalSamples, warmup: config.warmup, phase: 'cx', log }),
        );
        if (run) results.criticalPath.push(run);
      } finally {
        await external.drop();
      }
    }
  }

  if (config.phases.has('bulk-reserve')) {
    log('starting a fresh embedded PostgreSQL for the bulk-reserve phase');
    const server = await startBenchServer();
    try {
      results.bulkReserve = await phase('bulk-reserve', () =>
        compareBulkReserve({ url: server.url, concurrencies: config.reserveConcurrencies, tenants: config.reserveTenants, rounds: 4, log }),
      );
    } finally {
      await server.stop();
    }
  }

  results.durationSeconds = (Date.now() - started) / 1000;
  await writeResults(results);
  const charts = [results.scale ? 'create-latency-vs-tenants.svg' : '', results.schemaSize ? 'create-time-vs-tables.svg' : ''].filter(Boolean);
  log(`done in ${results.durationSeconds.toFixed(0)} s; wrote ${config.outDir}/results.{json,md}${charts.length ? ` and ${charts.join(', ')}` : ''}`);
  if (results.errors.length > 0) process.exitCode = 1;
}

async function writeResults(run: Results): Promise<void> {
  await mkdir(config.outDir, { recursive: true });
  const text = `${runHeader(run)}\n${resultsTable(run)}\n${detailTables(run)}`;
  await writeFile(join(config.outDir, 'results.json'), JSON.stringify(run, null, 2) + '\n');
  await writeFile(join(config.outDir, 'results.md'), text);
  if (run.scale && run.scale.length > 0) await writeFile(join(config.outDir, 'create-latency-vs-tenants.svg'), scaleChart(run.scale));
  if (run.schemaSize && run.schemaSize.points.length > 0) await writeFile(join(config.outDir, 'create-time-vs-tables.svg'), schemaSizeChart(run.schemaSize));
  process.stdout.write(`\n${text}\n`);
}

if (process.env['BENCH_REPORT_ONLY'] === '1') {
  // Re-render results.md and the chart from an existing results.json (no measurement).
  await writeResults(JSON.parse(await readFile(join(config.outDir, 'results.json'), 'utf8')) as Results);
} else {
  await main();
}

/**
 * Child-process entry for the memory figures: one bulk run of N tenants in a
 * fresh process, reporting its peak RSS. Configured by environment (the URL
 * holds a password, so it never goes in argv): BENCH_CHILD_URL,
 * BENCH_CHILD_MODE (createTenants | createTenantsStream | minimal),
 * BENCH_CHILD_COUNT, BENCH_CHILD_CONCURRENCY, BENCH_CHILD_PREFIX.
 * Prints one JSON line.
 */
import { performance } from 'node:perf_hooks';
import { DatabaseAdmin, type TenantConfig } from '@tenantry/admin';
import { minimalCreateTenant, randomPassword } from './minimal-client.js';
import { BENCH_DATABASE, connectedClient } from './setup.js';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const url = env('BENCH_CHILD_URL');
const mode = env('BENCH_CHILD_MODE');
const count = Number(env('BENCH_CHILD_COUNT'));
const concurrency = Number(env('BENCH_CHILD_CONCURRENCY'));
const prefix = env('BENCH_CHILD_PREFIX');
const rssBefore = process.memoryUsage().rss;

function* configs(): Generator<TenantConfig> {
  for (let i = 1; i <= count; i++) {
    const suffix = String(i).padStart(6, '0');
    yield { schemaName: `t_${prefix}_${suffix}`, username: `u_${prefix}_${suffix}`, password: randomPassword() };
  }
}

let created = 0;
let failed = 0;
let firstError: string | undefined;
const started = performance.now();
if (mode === 'createTenants' || mode === 'createTenantsStream') {
  const admin = new DatabaseAdmin(url);
  if (mode === 'createTenants') {
    // The input as an array, the results as an array: what a caller holding everything gets.
    const results = await admin.createTenants([...configs()], { concurrency });
    for (const result of results) {
      if (result.status === 'created') created++;
      else {
        failed++;
        firstError ??= JSON.stringify(result);
      }
    }
  } else {
    // Lazy input, results consumed as they come: what a streaming importer does.
    for await (const result of admin.createTenantsStream(configs(), { concurrency })) {
      if (result.status === 'created') created++;
      else {
        failed++;
        firstError ??= JSON.stringify(result);
      }
    }
  }
  await admin.close();
} else {
  const clients = await Promise.all(Array.from({ length: concurrency }, () => connectedClient(url)));
  const source = configs();
  await Promise.all(
    clients.map(async (client) => {
      for (let next = source.next(); !next.done; next = source.next()) {
        const config = next.value;
        await minimalCreateTenant(client, BENCH_DATABASE, { schemaName: config.schemaName, username: config.username, password: config.password! });
        created++;
      }
    }),
  );
  await Promise.all(clients.map((client) => client.end()));
}
const ms = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({ mode, count, created, failed, firstError, ms, maxRssKb: process.resourceUsage().maxRSS, rssBeforeKb: Math.round(rssBefore / 1024) })}\n`,
);

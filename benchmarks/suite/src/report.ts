import type { BulkComparison } from './bulk.js';
import type { ClientOverhead } from './client-overhead.js';
import type { DelayedResult } from './delayed.js';
import type { LatencyResult } from './latency.js';
import type { MachineInfo } from './machine.js';
import type { MemoryRun } from './memory.js';
import type { EventLoopCheck, PlanningResult } from './planning.js';
import type { RoundTripResult } from './round-trips.js';
import type { Paired, ScaleLevel } from './scale.js';
import { fmt, type Summary } from './stats.js';
import { lineChart } from './svg-chart.js';

import type { FleetResult } from './fleet.js';
import type { CredentialsResult } from './credentials.js';
import { SETTLE_MILLIS, type CriticalPathResult } from './critical-path.js';
import type { BulkReserveResult } from './bulk-reserve.js';
import type { SchemaCreateComparison } from './schema-create.js';
import type { SchemaSizeResult } from './schema-size.js';

export interface Results {
  command: string;
  startedAt: string;
  durationSeconds: number;
  quick: boolean;
  sizes: Record<string, unknown>;
  machine: MachineInfo;
  postgres: { version: string; serverVersionNum: number; harnessFlags: string };
  loadAverages: { phase: string; load1: number; load5: number }[];
  templateCheck?: number;
  planning?: PlanningResult;
  eventLoop?: EventLoopCheck;
  roundTrips?: RoundTripResult;
  clientOverhead?: ClientOverhead;
  latency?: LatencyResult;
  delayed?: DelayedResult;
  bulkProbe?: BulkComparison[];
  bulk?: BulkComparison;
  memory?: MemoryRun[];
  cli?: MemoryRun | { unavailable: string };
  scale?: ScaleLevel[];
  schemaCreate?: SchemaCreateComparison;
  schemaSize?: SchemaSizeResult;
  fleet?: FleetResult;
  credentials?: CredentialsResult;
  criticalPath?: CriticalPathResult[];
  bulkReserve?: BulkReserveResult;
  errors: { phase: string; message: string }[];
}

/** "met (1.04x; 5.5% of headroom)" / "MISSED by 7.3% (1.18x)" for an upper bound; the reverse for a lower bound. */
export function verdict(value: number, target: number, kind: 'at most' | 'at least' | 'below'): string {
  if (!Number.isFinite(value)) return 'not measured';
  const ok = kind === 'at least' ? value >= target : kind === 'below' ? value < target : value <= target;
  const by = Math.abs(value / target - 1) * 100;
  return ok ? `met (${by.toFixed(1)}% headroom)` : `**missed** by ${by.toFixed(1)}%`;
}

const x = (value: number) => `${fmt(value, 2)}x`;
const ms = (value: number) => `${fmt(value, 2)} ms`;

export function runHeader(results: Results): string {
  const m = results.machine;
  return [
    `Run of ${results.startedAt} (${fmt(results.durationSeconds / 60, 1)} min${results.quick ? ', QUICK sizes' : ''}): \`${results.command}\``,
    `Machine: ${m.nproc} CPUs (${m.cpuModel}), ${fmt(m.memoryGiB, 1)} GiB RAM, ${m.kernel}, Node ${m.node}; load average at start ${m.loadAverageAtStart.map((l) => fmt(l)).join(' / ')}`,
    `PostgreSQL: ${results.postgres.version} (embedded, ${results.postgres.harnessFlags}); clients: ${m.psql}, ${m.pgbench}; netem: ${m.netem}`,
  ].join('  \n') + '\n';
}

export function resultsTable(results: Results): string {
  const rows: string[][] = [];
  const l = results.latency;
  if (l) {
    const { tenantry, minimal, psql, original } = l.summaries;
    rows.push(['createTenant median, loopback', ms(tenantry.median), `minimal client ${ms(minimal.median)}`, x(tenantry.median / minimal.median), '≤ 1.10x', verdict(tenantry.median / minimal.median, 1.1, 'at most')]);
    rows.push(['createTenant p95, loopback', ms(tenantry.p95), `minimal client ${ms(minimal.p95)}`, x(tenantry.p95 / minimal.p95), '≤ 1.10x', verdict(tenantry.p95 / minimal.p95, 1.1, 'at most')]);
    rows.push(['… vs psql (plaintext), median / p95', `${ms(tenantry.median)} / ${ms(tenantry.p95)}`, `psql ${ms(psql.median)} / ${ms(psql.p95)}`, `${x(tenantry.median / psql.median)} / ${x(tenantry.p95 / psql.p95)}`, 'report', '']);
    rows.push(['… vs original sequence, median / p95', `${ms(tenantry.median)} / ${ms(tenantry.p95)}`, `original ${ms(original.median)} / ${ms(original.p95)}`, `${x(tenantry.median / original.median)} / ${x(tenantry.p95 / original.p95)}`, 'report', '']);
  }
  const r = results.roundTrips;
  if (r) {
    const c = r.create;
    rows.push([
      'round trips per createTenant (counted on the wire)',
      fmt(c.tenantry.roundTripsPerCall, 2),
      `minimal ${fmt(c.minimal.roundTripsPerCall, 0)}, psql ${fmt(c.psql.roundTripsPerCall, 0)}, original ${fmt(c.original.roundTripsPerCall, 0)}`,
      '',
      '1',
      c.tenantry.roundTripsPerCall === 1 ? 'met' : `**missed** (${fmt(c.tenantry.roundTripsPerCall, 2)})`,
    ]);
  }
  const d = results.delayed;
  if (d) {
    const { tenantry, minimal, psql, original } = d.summaries;
    const link = `+${fmt(d.probe.relayed.median - d.probe.direct.median, 2)} ms RTT`;
    rows.push([`createTenant median, delayed link (${link})`, ms(tenantry.median), `minimal client ${ms(minimal.median)}`, x(tenantry.median / minimal.median), '≤ 1.10x', verdict(tenantry.median / minimal.median, 1.1, 'at most')]);
    rows.push(['createTenant p95, delayed link', ms(tenantry.p95), `minimal client ${ms(minimal.p95)}`, x(tenantry.p95 / minimal.p95), '≤ 1.10x', verdict(tenantry.p95 / minimal.p95, 1.1, 'at most')]);
    rows.push(['… vs psql / original, median (delayed)', ms(tenantry.median), `psql ${ms(psql.median)}, original ${ms(original.median)}`, `${x(tenantry.median / psql.median)} / ${x(tenantry.median / original.median)}`, 'report', '']);
  }
  const b = results.bulk;
  if (b) {
    rows.push([
      `bulk createTenants, ${b.tenantsPerContender.toLocaleString('en-US')} tenants, concurrency ${b.concurrency}`,
      `${fmt(b.tenantry, 0)} tenants/s`,
      `minimal client ${fmt(b.minimal, 0)} tenants/s`,
      x(b.tenantry / b.minimal),
      '≥ 0.90x',
      verdict(b.tenantry / b.minimal, 0.9, 'at least'),
    ]);
    if (b.pgbench !== undefined) rows.push(['… vs pgbench (plaintext, same clients)', `${fmt(b.tenantry, 0)} tenants/s`, `pgbench ${fmt(b.pgbench, 0)} tenants/s`, x(b.tenantry / b.pgbench), 'report', '']);
  }
  const e = results.eventLoop;
  if (e) {
    rows.push([
      'client PBKDF2 off the event loop: time scramSha256Verifier blocks its caller; loop utilisation over 64 verifiers',
      `${ms(e.synchronousMs)} blocking; loop ${fmt(e.tenantry.utilization * 100, 0)}% busy`,
      `one PBKDF2 takes ${ms(e.pbkdf2Ms)}; pbkdf2Sync reference: loop ${fmt(e.syncReference.utilization * 100, 0)}% busy`,
      '',
      'off the loop',
      e.offEventLoop ? 'met' : '**missed**',
    ]);
  }
  if (b) {
    rows.push(['event loop during bulk createTenants (1 ms timer lateness)', `p50 ${ms(b.eventLoop.p50)}, p99 ${ms(b.eventLoop.p99)}, max ${ms(b.eventLoop.max)}`, `one PBKDF2: ${e ? ms(e.pbkdf2Ms) : 'n/a'}; loop utilisation ${fmt(b.eventLoop.utilization * 100, 0)}%`, '', 'report', '']);
    rows.push(['client CPU per tenant in bulk (all threads, incl. PBKDF2)', `${fmt(b.clientCpuMicrosPerTenant.tenantry / 1000, 2)} ms`, `minimal client ${fmt(b.clientCpuMicrosPerTenant.minimal / 1000, 2)} ms`, x(b.clientCpuMicrosPerTenant.tenantry / b.clientCpuMicrosPerTenant.minimal), 'report', '']);
  }
  const s = results.scale;
  if (s && s.length > 0) {
    const last = s.at(-1)!;
    const n = last.present.toLocaleString('en-US');
    const pr = (p: Paired) => p.seeded.median / p.empty.median;
    rows.push([`create median with ${n} tenants vs 0 (interleaved, two clusters)`, `${ms(last.create.tenantry.seeded.median)} vs ${ms(last.create.tenantry.empty.median)}`, `minimal client: ${x(pr(last.create.minimal))}`, x(pr(last.create.tenantry)), '≤ 1.30x', verdict(pr(last.create.tenantry), 1.3, 'at most')]);
    rows.push([`remove median with ${n} tenants vs 0`, `${ms(last.remove.tenantry.seeded.median)} vs ${ms(last.remove.tenantry.empty.median)}`, `minimal client: ${x(pr(last.remove.minimal))} (${ms(last.remove.minimal.seeded.median)} vs ${ms(last.remove.minimal.empty.median)})`, x(pr(last.remove.tenantry)), '≤ 1.30x', verdict(pr(last.remove.tenantry), 1.3, 'at most')]);
    rows.push([`listTenantsPage, one page of ${last.pageSize}, with ${n} tenants (first / middle page, median; p95 of the slower)`, `${ms(last.listFirstPage.seeded.median)} / ${ms(last.listMiddlePage.seeded.median)}; p95 ${ms(Math.max(last.listFirstPage.seeded.p95, last.listMiddlePage.seeded.p95))}`, `empty cluster: ${ms(last.listFirstPage.empty.median)} / ${ms(last.listMiddlePage.empty.median)}`, `${x(pr(last.listFirstPage))} / ${x(pr(last.listMiddlePage))} of empty`, '< 50 ms', verdict(Math.max(last.listFirstPage.seeded.median, last.listMiddlePage.seeded.median), 50, 'below')]);
    rows.push([`getTenant median with ${n} tenants vs 0`, `${ms(last.getTenant.seeded.median)} vs ${ms(last.getTenant.empty.median)}`, '', x(pr(last.getTenant)), 'report', '']);
  }
  for (const run of results.memory ?? []) {
    rows.push([`peak RSS, ${run.label}, ${run.tenants.toLocaleString('en-US')} tenants`, `${fmt(run.peakRssMiB, 0)} MiB`, run.baselineRssMiB ? `RSS at start ${fmt(run.baselineRssMiB, 0)} MiB; ${fmt(run.tenantsPerSecond, 0)} tenants/s` : '', '', 'report', run.error ? `error: ${run.error}` : '']);
  }
  if (results.cli) {
    if ('unavailable' in results.cli) rows.push(['peak RSS, CLI bulk import', 'not measured', results.cli.unavailable, '', 'report', '']);
    else rows.push([`peak RSS, ${results.cli.label}, ${results.cli.tenants.toLocaleString('en-US')} tenants`, `${fmt(results.cli.peakRssMiB, 0)} MiB`, `${fmt(results.cli.tenantsPerSecond, 0)} tenants/s`, '', 'report', results.cli.error ?? '']);
  }
  const o = results.clientOverhead;
  if (o) {
    rows.push([`client CPU per create besides PBKDF2 (1 SCRAM iteration, sequential, ${o.tenants} each)`, `${fmt(o.tenantryCpuMicros, 0)} µs`, `minimal client ${fmt(o.minimalCpuMicros, 0)} µs`, x(o.tenantryCpuMicros / o.minimalCpuMicros), 'diagnostic', `+${fmt(o.tenantryCpuMicros - o.minimalCpuMicros, 0)} µs per create`]);
  }
  const p = results.planning;
  if (p) {
    const share = l ? ` (${fmt((p.microsPerPlan / 1000 / l.summaries.tenantry.median) * 100, 1)}% of a createTenant)` : '';
    rows.push(['planning alone: planCreateTenant + planToScript', `${fmt(p.plansPerSecond, 0)} plans/s, ${fmt(p.microsPerPlan, 1)} µs${share}`, `template string: ${fmt(p.templatesPerSecond, 0)}/s`, x(p.microsPerPlan / p.microsPerTemplate), 'report', '']);
  }
  const sc = results.schemaCreate;
  if (sc) {
    rows.push([`createTenant with the benchmark schema (${sc.migrations} migrations, ${sc.statements} statements), median / p95`, `${ms(sc.tenantry.median)} / ${ms(sc.tenantry.p95)}`, `psql, same DDL in one round trip: ${ms(sc.psql.median)} / ${ms(sc.psql.p95)}`, x(sc.ratio), 'report', '']);
  }
  for (const point of results.schemaSize?.points ?? []) {
    rows.push([
      `createTenant, schema of ${point.tables} tables (${point.migrations} migrations), median: later tenants / first tenant`,
      `${ms(point.laterTenants.median)} / ${ms(point.firstTenant.median)}`,
      `psql, same DDL in one round trip: ${ms(point.psql.median)}`,
      `later/psql ${x(point.laterOverPsql)}; first/later ${x(point.firstOverLater)}`,
      'report',
      `path: later ${pathCounts(point.paths.later)}`,
    ]);
  }
  const f = results.fleet;
  if (f) {
    const n = f.tenants.toLocaleString('en-US');
    const [small, whole] = [f.noop[0], f.noop.at(-1)];
    if (whole) {
      const growth = small && small !== whole ? `at ${small.tenants.toLocaleString('en-US')} tenants: ${ms(small.msPerTenant)}/tenant` : '';
      rows.push([`migrateTenants, nothing pending, ${whole.tenants.toLocaleString('en-US')} tenants, concurrency ${whole.concurrency}`, `${fmt(whole.seconds, 1)} s, ${ms(whole.msPerTenant)}/tenant`, growth, f.noopGrowth === undefined ? '' : `${x(f.noopGrowth)} per tenant`, 'report', '']);
    }
    for (const run of f.pending) {
      rows.push([`migrateTenants, one pending migration (a column and an index), ${n} tenants, concurrency ${run.concurrency}`, `${fmt(run.tenantry.tenantsPerSecond, 1)} tenants/s`, `pgbench, same DDL, ${run.concurrency} clients: ${fmt(run.pgbench.tenantsPerSecond, 0)} tenants/s`, `${Number(run.ratio.toPrecision(2))}x (pgbench ${fmt(1 / run.ratio, 0)}x faster)`, 'report', '']);
    }
  }
  for (const point of results.credentials?.points ?? []) {
    rows.push([
      `issueCredentials, concurrency ${point.concurrency}`,
      `${fmt(point.tenantry, 0)} credentials/s`,
      `pgbench, same SQL: ${fmt(point.sameSql, 0)}/s; Vault-style SQL: ${fmt(point.vaultStyle, 0)}/s`,
      `${x(point.tenantry / point.sameSql)} of same SQL; ${x(point.tenantry / results.credentials!.vaultAnchor)} of Vault's ~${results.credentials!.vaultAnchor}/s`,
      'report',
      '',
    ]);
  }
  for (const run of results.criticalPath ?? []) {
    const psql = run.create.psqlMinimal;
    for (const [name, label, target] of [
      ['generated', 'createTenant, generated password', 1.1],
      ['caller', "createTenant, the caller's password", 1.35],
    ] as const) {
      const s = run.create[name];
      rows.push([`${label} (${run.server}), median`, ms(s.median), `psql, minimal tenant, plaintext: ${ms(psql.median)}`, x(s.median / psql.median), `≤ ${target}x`, verdict(s.median / psql.median, target, 'at most')]);
      rows.push([`${label} (${run.server}), p95`, ms(s.p95), `psql: ${ms(psql.p95)}`, x(s.p95 / psql.p95), `≤ ${target}x`, verdict(s.p95 / psql.p95, target, 'at most')]);
    }
    const b2b = run.backToBack;
    rows.push([`createTenant, generated password, back to back (${run.server}), median`, ms(b2b.generated.median), `psql back to back: ${ms(b2b.psqlMinimal.median)}`, x(b2b.generated.median / b2b.psqlMinimal.median), '≤ 1.1x', verdict(b2b.generated.median / b2b.psqlMinimal.median, 1.1, 'at most')]);
    rows.push([`createTenant, generated password, back to back (${run.server}), p95`, ms(b2b.generated.p95), `psql: ${ms(b2b.psqlMinimal.p95)}`, x(b2b.generated.p95 / b2b.psqlMinimal.p95), '≤ 1.1x', verdict(b2b.generated.p95 / b2b.psqlMinimal.p95, 1.1, 'at most')]);
    const remove = run.remove;
    rows.push([`removeTenant (${run.server}), median, near-empty database`, ms(remove.tenantry.median), `minimal client, the plan's statements without its checks: ${ms(remove.sameWithoutChecks.median)}`, x(remove.tenantry.median / remove.sameWithoutChecks.median), '≤ 1.2x', verdict(remove.tenantry.median / remove.sameWithoutChecks.median, 1.2, 'at most')]);
    rows.push([`… vs the bare drops (DROP SCHEMA CASCADE, DROP OWNED, DROP ROLE: no checks, no sessions ended)`, ms(remove.tenantry.median), `minimal client: ${ms(remove.minimal.median)}`, x(remove.tenantry.median / remove.minimal.median), 'report', '']);
  }
  for (const point of results.bulkReserve?.points ?? []) {
    const r = point.withReserve / point.withoutReserve;
    rows.push([`createTenants, generated passwords, concurrency ${point.concurrency}, with the reserve`, `${fmt(point.withReserve, 0)} tenants/s`, `without the reserve: ${fmt(point.withoutReserve, 0)} tenants/s`, x(r), '≥ 1.00x (unchanged or better)', verdict(r, 1, 'at least')]);
  }
  const header = ['Figure', 'Tenantry', 'Baseline (same run)', 'Ratio', 'Target', 'Result'];
  return [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n') + '\n';
}

export function detailTables(results: Results): string {
  const out: string[] = [];
  const latencyTable = (title: string, result: LatencyResult) => {
    out.push(`\n**${title}** (${result.tenants} tenants per contender, interleaved)\n`);
    out.push('| contender | median | p95 | mean | min | max |\n|---|---|---|---|---|---|');
    for (const [name, s] of Object.entries(result.summaries)) out.push(`| ${name} | ${ms(s.median)} | ${ms(s.p95)} | ${ms(s.mean)} | ${ms(s.min)} | ${ms(s.max)} |`);
  };
  if (results.latency) latencyTable('Single create, loopback', results.latency);
  if (results.delayed) {
    latencyTable(`Single create, delayed link (${results.delayed.oneWayDelayMs} ms each way; SELECT 1 median ${ms(results.delayed.probe.direct.median)} direct, ${ms(results.delayed.probe.relayed.median)} relayed)`, results.delayed);
  }
  if (results.roundTrips) {
    out.push('\n**Protocol messages per call, counted on the wire**\n');
    out.push('| operation | calls | Query (Q) | Parse (P) | Sync (S) | round trips per call |\n|---|---|---|---|---|---|');
    for (const [name, c] of Object.entries(results.roundTrips.create)) out.push(`| create: ${name} | ${c.calls} | ${c.query} | ${c.parse} | ${c.sync} | ${fmt(c.roundTripsPerCall, 2)} |`);
    for (const [name, c] of Object.entries(results.roundTrips.tenantryOther)) out.push(`| tenantry ${name} | ${c.calls} | ${c.query} | ${c.parse} | ${c.sync} | ${fmt(c.roundTripsPerCall, 2)} |`);
  }
  if (results.bulkProbe) {
    out.push('\n**Bulk: concurrency probe** (tenants/s; interleaved)\n');
    out.push('| concurrency | tenants per contender | Tenantry createTenants | minimal client | ratio | pgbench | client CPU/tenant Tenantry / minimal | timer lateness p99 |\n|---|---|---|---|---|---|---|---|');
    for (const probe of [...results.bulkProbe, ...(results.bulk ? [results.bulk] : [])]) {
      out.push(`| ${probe.concurrency} | ${probe.tenantsPerContender} | ${fmt(probe.tenantry, 0)} | ${fmt(probe.minimal, 0)} | ${x(probe.tenantry / probe.minimal)} | ${probe.pgbench === undefined ? '' : fmt(probe.pgbench, 0)} | ${fmt(probe.clientCpuMicrosPerTenant.tenantry / 1000)} / ${fmt(probe.clientCpuMicrosPerTenant.minimal / 1000)} ms | ${ms(probe.eventLoop.p99)} |`);
    }
    if (results.bulk) out.push(`\nTenantry side ran as: ${results.bulk.tenantryMode}.`);
  }
  if (results.scale) {
    out.push('\n**Scale**: medians on the seeded cluster, with the ratio to the empty cluster measured in the same rounds (p95 in parentheses)\n');
    out.push('| tenants present | create Tenantry | create minimal | remove Tenantry | remove minimal | getTenant | list first page | list middle page | seeding |\n|---|---|---|---|---|---|---|---|---|');
    const cell = (p: Paired) => `${ms(p.seeded.median)} (${fmt(p.seeded.p95)}); ${x(p.seeded.median / p.empty.median)}`;
    for (const level of results.scale) {
      out.push(
        `| ${level.present.toLocaleString('en-US')} | ${cell(level.create.tenantry)} | ${cell(level.create.minimal)} | ${cell(level.remove.tenantry)} | ${cell(level.remove.minimal)} | ${cell(level.getTenant)} | ${cell(level.listFirstPage)} | ${cell(level.listMiddlePage)} | ${level.seedMs ? `${fmt(level.seedMs / 1000, 1)} s` : ''} |`,
      );
    }
  }
  if (results.clientOverhead?.variants) {
    out.push(`\n**Client work per create besides the PBKDF2** (1 SCRAM iteration, sequential, ${results.clientOverhead.tenants} creates per variant, interleaved in rounds of 20; CPU = user + system of the whole process)\n`);
    out.push('| variant | CPU per create | vs minimal client | wall per create |\n|---|---|---|---|');
    const base = results.clientOverhead.minimalCpuMicros;
    for (const v of results.clientOverhead.variants) out.push(`| ${v.name} | ${fmt(v.cpuMicros, 0)} µs | ${v.cpuMicros >= base ? '+' : ''}${fmt(v.cpuMicros - base, 0)} µs | ${ms(v.wallMs)} |`);
  }
  if (results.scale) {
    out.push('\n**Where removal time goes**: each statement timed alone inside one transaction (minimal client), seeded cluster vs empty cluster in the same rounds (median)\n');
    const names = Object.keys(results.scale[0]?.removeSteps ?? {});
    out.push(`| tenants present | pg_db_role_setting rows | ${names.join(' | ')} |\n|---|---|${names.map(() => '---').join('|')}|`);
    for (const level of results.scale) {
      out.push(`| ${level.present.toLocaleString('en-US')} | ${level.roleSettingRows.toLocaleString('en-US')} | ${names.map((name) => { const p = level.removeSteps[name]!; return `${ms(p.seeded.median)} vs ${ms(p.empty.median)}`; }).join(' | ')} |`);
    }
  }
  const size = results.schemaSize;
  if (size) {
    out.push(`\n**Create one tenant against the size of its schema** (benchmark schema cut to N tables; ${size.samples} timed creates per size and way after a warm-up round, sizes and ways interleaved; median, p95 in parentheses)\n`);
    out.push('| tables | migrations / statements | createTenant, first tenant | createTenant, later tenants | psql, one round trip | later / psql | first / later | first / psql | path reported (first; later) |\n|---|---|---|---|---|---|---|---|---|');
    for (const p of size.points) {
      const cell = (summary: { median: number; p95: number }) => `${ms(summary.median)} (${fmt(summary.p95)})`;
      out.push(`| ${p.tables} | ${p.migrations} / ${p.statements} | ${cell(p.firstTenant)} | ${cell(p.laterTenants)} | ${cell(p.psql)} | ${x(p.laterOverPsql)} | ${x(p.firstOverLater)} | ${x(p.firstOverPsql)} | ${pathCounts(p.paths.first)}; ${pathCounts(p.paths.later)} |`);
    }
  }
  if (results.fleet) {
    out.push(`\n**Fleet of ${results.fleet.tenants.toLocaleString('en-US')} tenants** (small schema: 2 tables; its own embedded cluster; every step in order, setup included)\n`);
    out.push('| step | tenants | seconds | ms per tenant | tenants/s | load (1 min) after |\n|---|---|---|---|---|---|');
    for (const step of results.fleet.steps) out.push(`| ${step.step} | ${step.tenants.toLocaleString('en-US')} | ${fmt(step.seconds, 1)} | ${fmt((step.seconds * 1000) / step.tenants)} | ${fmt(step.tenants / step.seconds, 1)} | ${step.load1 === undefined ? '' : fmt(step.load1)} |`);
    out.push('\nEach pending run adds its own column and index to `accounts` on the same fleet (nothing is undone); pgbench\'s seconds are its own (without connection time).');
  }
  const credentials = results.credentials;
  if (credentials) {
    out.push(`\n**Issue credentials that expire** (credentials per second; ${credentials.tenants} tenants in turn; ${credentials.rounds} interleaved rounds; its own embedded cluster; Vault's published PostgreSQL run: about ${credentials.vaultAnchor}/s)\n`);
    out.push('| concurrency | credentials per contender | issueCredentials | same SQL, pgbench | Vault-style SQL, pgbench | Tenantry / same SQL | Tenantry / Vault anchor |\n|---|---|---|---|---|---|---|');
    for (const p of credentials.points) {
      out.push(`| ${p.concurrency} | ${p.credentials} | ${fmt(p.tenantry, 0)} | ${fmt(p.sameSql, 0)} | ${fmt(p.vaultStyle, 0)} | ${x(p.tenantry / p.sameSql)} | ${x(p.tenantry / credentials.vaultAnchor)} |`);
    }
    out.push(`\nTenantry's side computes a fresh password's SCRAM verifier (4096 rounds) per credential on the client (${fmt(credentials.verifierMillis)} ms each, one at a time); the pgbench baselines send one verifier computed once, and pgbench's rate excludes its connection time.`);
  }
  for (const run of results.criticalPath ?? []) {
    out.push(`\n**One tenant at a time: ${run.server}** (${run.version}; ${run.samples} rounds, contenders interleaved in rotating order, each call after a ${SETTLE_MILLIS} ms settle pause; each round's tenants removed in it)\n`);
    out.push('| contender | median | p95 | mean | min | max |\n|---|---|---|---|---|---|');
    const rowOf = (name: string, s: Summary) => `| ${name} | ${ms(s.median)} | ${ms(s.p95)} | ${ms(s.mean)} | ${ms(s.min)} | ${ms(s.max)} |`;
    out.push(rowOf('createTenant, generated password', run.create.generated));
    out.push(rowOf("createTenant, caller's password", run.create.caller));
    out.push(rowOf("minimal client, Tenantry's plan, verifier made beforehand", run.create.minimal));
    out.push(rowOf('psql, minimal tenant (role with plaintext password, schema, grant, search_path)', run.create.psqlMinimal));
    out.push(rowOf('back to back, no pause: createTenant, generated password', run.backToBack.generated));
    out.push(rowOf("back to back: minimal client, Tenantry's plan", run.backToBack.minimal));
    out.push(rowOf('back to back: psql, minimal tenant', run.backToBack.psqlMinimal));
    out.push(rowOf('removeTenant', run.remove.tenantry));
    out.push(rowOf("minimal client, the remove plan's statements without its checks", run.remove.sameWithoutChecks));
    out.push(rowOf("minimal client's bare drops (DROP SCHEMA CASCADE, DROP OWNED, DROP ROLE)", run.remove.minimal));
  }
  if (results.memory?.length) {
    out.push('\n**Memory** (each run in a fresh process; peak = getrusage maxRSS; VmHWM polled from /proc as a cross-check)\n');
    out.push('| run | tenants | created | failed | wall | tenants/s | peak RSS | VmHWM |\n|---|---|---|---|---|---|---|---|');
    for (const run of results.memory) out.push(`| ${run.label} | ${run.tenants} | ${run.created} | ${run.failed} | ${fmt(run.ms / 1000, 1)} s | ${fmt(run.tenantsPerSecond, 0)} | ${fmt(run.peakRssMiB, 0)} MiB | ${run.vmHwmMiB === undefined ? '' : `${fmt(run.vmHwmMiB, 0)} MiB`} |`);
  }
  if (results.loadAverages.length) {
    const seen = new Set<string>();
    const loads = results.loadAverages.filter((l) => !seen.has(l.phase) && seen.add(l.phase));
    out.push('\n**Load average (1 min / 5 min) when each phase started** (from the bulk phase on, mostly the suite\'s own load: concurrent clients and their backends on 2 cores): ' + loads.map((l) => `${l.phase} ${fmt(l.load1)}/${fmt(l.load5)}`).join(', '));
  }
  if (results.errors.length) {
    out.push('\n**Errors**\n');
    for (const error of results.errors) out.push(`- ${error.phase}: ${error.message}`);
  }
  return out.join('\n') + '\n';
}

export function scaleChart(levels: ScaleLevel[]): string {
  const at = (pick: (level: ScaleLevel) => number) => levels.map((level) => ({ x: level.present, y: pick(level) }));
  return lineChart({
    title: 'Latency against tenants already present (embedded PostgreSQL, loopback)',
    xLabel: 'tenants already present (seeded cluster)',
    yLabel: 'median latency (ms)',
    series: [
      { label: 'Tenantry createTenant', color: '#1f77b4', points: at((l) => l.create.tenantry.seeded.median) },
      { label: 'createTenant on the empty cluster, same rounds', color: '#1f77b4', dashed: true, points: at((l) => l.create.tenantry.empty.median) },
      { label: 'minimal client create', color: '#ff7f0e', points: at((l) => l.create.minimal.seeded.median) },
      { label: 'Tenantry removeTenant', color: '#2ca02c', points: at((l) => l.remove.tenantry.seeded.median) },
      { label: 'listTenantsPage (first page of 100)', color: '#9467bd', points: at((l) => l.listFirstPage.seeded.median) },
      { label: 'listTenantsPage (middle page)', color: '#9467bd', dashed: true, points: at((l) => l.listMiddlePage.seeded.median) },
      { label: 'getTenant', color: '#8c564b', dashed: true, points: at((l) => l.getTenant.seeded.median) },
    ],
  });
}

/** `replayed ×9, ran ×1` from the counts of the path field createTenant reported. */
function pathCounts(paths: Record<string, number>): string {
  return Object.entries(paths).map(([path, count]) => `${path} ×${count}`).join(', ') || 'none';
}

export function schemaSizeChart(result: SchemaSizeResult): string {
  const at = (pick: (point: SchemaSizeResult['points'][number]) => number) => result.points.map((point) => ({ x: point.tables, y: pick(point) }));
  return lineChart({
    title: 'Time to create a tenant against the tables in its schema',
    xLabel: 'tables in the schema (benchmark schema cut to N tables)',
    yLabel: 'median time per tenant (ms)',
    series: [
      { label: 'createTenant, first tenant (migrations run)', color: '#d62728', points: at((p) => p.firstTenant.median) },
      { label: 'createTenant, later tenants', color: '#1f77b4', points: at((p) => p.laterTenants.median) },
      { label: 'psql, same DDL in one round trip', color: '#2ca02c', dashed: true, points: at((p) => p.psql.median) },
    ],
  });
}

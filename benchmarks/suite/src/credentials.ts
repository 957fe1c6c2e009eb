/**
 * Issue 14, credentials that expire: how many `issueCredentials` a second,
 * one at a time and at several concurrencies, on an embedded cluster of its
 * own, against two baselines in the same run, each sent by pgbench (simple
 * protocol, one `\;`-joined query per credential, as the superuser):
 * (a) "same SQL": the very statements Tenantry's plan sends (lock, server-side
 *     check, CREATE ROLE with a SCRAM verifier, GRANT, settings, marker), with
 *     names substituted by pgbench, a verifier computed once;
 * (b) "Vault-style": what Vault's PostgreSQL plugin runs for a dynamic role as
 *     in its documentation (CREATE ROLE ... LOGIN PASSWORD ... VALID UNTIL,
 *     then one GRANT), with the same verifier as password.
 * Tenantry's side includes what a caller pays: a fresh password and its SCRAM
 * verifier (PBKDF2, 4096 rounds, on libuv's thread pool) per credential, the
 * round trip, and the object it returns. Each credential goes to one of
 * `tenants` tenants in turn (the tenant's locks serialise issues for one
 * tenant; the baselines take the same two advisory locks per credential).
 * Contenders alternate round by round, so drift hits them alike.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { DatabaseAdmin } from '@tenantry/admin';
import { scramSha256Verifier } from '@tenantry/core';
import { parseTenantNames } from '@tenantry/sql';
import { PostgresDialect } from '@tenantry/sql/postgres';
import { runPgbench } from './pgbench.js';
import { BENCH_DATABASE, withClient } from './setup.js';

export interface CredentialsPoint {
  concurrency: number;
  /** Credentials issued per contender, summed over the rounds. */
  credentials: number;
  /** Credentials per second. */
  tenantry: number;
  sameSql: number;
  vaultStyle: number;
}

export interface CredentialsResult {
  tenants: number;
  rounds: number;
  points: CredentialsPoint[];
  /** Vault's published figure this is set against (credentials per second, PostgreSQL backend). */
  vaultAnchor: number;
  /** Milliseconds one SCRAM verifier (4096 rounds) takes on the client, one at a time: part of Tenantry's cost per credential. */
  verifierMillis: number;
}

/** Tenants the credentials go to: `cb_s_1000` / `cb_u_1000` and on. */
const FIRST_TENANT = 1000;
const tenantOf = (t: number) => ({ schemaName: `cb_s_${t}`, username: `cb_u_${t}` });
/** Placeholders in the template that pgbench's variables replace. */
const TENANT_PLACEHOLDER = 9999;
const CREDENTIAL_PLACEHOLDER = 'tenantry_cred_zzzzzzzzzzzzzzzzzzzz';
/** The figure of Vault's published PostgreSQL benchmark run, credentials per second. */
export const VAULT_ANCHOR_PER_SECOND = 255;

export async function measureCredentials(options: {
  url: string;
  tenants: number;
  credentialsPerRound: number;
  rounds: number;
  concurrencies: number[];
  threads: number;
  log: (line: string) => void;
}): Promise<CredentialsResult> {
  const { url, log } = options;
  const admin = new DatabaseAdmin(url);
  const tenantRefs = Array.from({ length: options.tenants }, (_, i) => tenantOf(FIRST_TENANT + i));
  try {
    await admin.createTenants(tenantRefs, { concurrency: 4 });
    await admin.issueCredentials(tenantRefs[0]!, { ttl: 3600 }); // warm the admin's connection and facts
    const verifier = await scramSha256Verifier('bench-password-issued-once-0123', { iterations: 4096 });
    const verifierMillis = await timeVerifiers(100);
    const sameSql = await sameSqlScript(url, verifier, options.tenants);
    const vaultStyle = vaultStyleScript(verifier, options.tenants);
    const points: CredentialsPoint[] = [];
    for (const concurrency of options.concurrencies) {
      const seconds = { tenantry: 0, sameSql: 0, vaultStyle: 0 };
      let issued = 0;
      for (let round = 0; round < options.rounds; round++) {
        const perClient = Math.max(1, Math.floor(options.credentialsPerRound / concurrency));
        const count = perClient * concurrency;
        const contenders: [keyof typeof seconds, () => Promise<number>][] = [
          ['tenantry', () => issueWithTenantry(admin, tenantRefs, count, concurrency, round)],
          ['sameSql', () => pgbenchSeconds(url, sameSql, concurrency, perClient, options.threads, 'cred-same')],
          ['vaultStyle', () => pgbenchSeconds(url, vaultStyle, concurrency, perClient, options.threads, 'cred-vault')],
        ];
        // Rotate the order each round.
        for (const [name, run] of [...contenders.slice(round % 3), ...contenders.slice(0, round % 3)]) seconds[name] += await run();
        issued += count;
      }
      const point = { concurrency, credentials: issued, tenantry: issued / seconds.tenantry, sameSql: issued / seconds.sameSql, vaultStyle: issued / seconds.vaultStyle };
      log(`  credentials c=${concurrency}: Tenantry ${point.tenantry.toFixed(0)}/s, same SQL (pgbench) ${point.sameSql.toFixed(0)}/s, Vault-style (pgbench) ${point.vaultStyle.toFixed(0)}/s`);
      points.push(point);
    }
    return { tenants: options.tenants, rounds: options.rounds, points, vaultAnchor: VAULT_ANCHOR_PER_SECOND, verifierMillis };
  } finally {
    await admin.close();
  }
}

/** Seconds for `count` issueCredentials, `concurrency` at a time, tenants in turn. */
async function issueWithTenantry(admin: DatabaseAdmin, tenants: readonly { schemaName: string; username: string }[], count: number, concurrency: number, round: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        await admin.issueCredentials(tenants[(i + round) % tenants.length]!, { ttl: 3600 });
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

/** Mean milliseconds of one SCRAM verifier, computed one after another. */
async function timeVerifiers(count: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await scramSha256Verifier(`bench-password-${i}-0123456789abcdef`, { iterations: 4096 });
  return (performance.now() - started) / count;
}

/** Seconds pgbench took (without its connection time): transactions / tps. */
async function pgbenchSeconds(url: string, script: string, clients: number, perClient: number, threads: number, name: string): Promise<number> {
  const scriptPath = join(tmpdir(), `tenantry-bench-${name}-${process.pid}.sql`);
  try {
    const result = await runPgbench(url, { scriptPath, script, clients, threads: Math.min(threads, clients), transactionsPerClient: perClient });
    if (result.failed > 0) throw new Error(`pgbench: ${result.failed} failed transactions in ${name}`);
    return result.tenants / result.tps;
  } finally {
    await rm(scriptPath, { force: true });
  }
}

/**
 * Tenantry's issue plan for a placeholder tenant and credential, its names
 * turned into pgbench variables: `:t` picks the tenant, `:n` names the
 * credential, and the tenant's two advisory locks become two locks on `:t`.
 */
async function sameSqlScript(url: string, verifier: string, tenants: number): Promise<string> {
  const dialect = new PostgresDialect();
  const facts = await withClient(url, async (client) => dialect.readServerFacts((await client.query(dialect.serverFactsQuery().sql)).rows[0]));
  const placeholder = tenantOf(TENANT_PLACEHOLDER);
  const plan = dialect.credentials.planIssue(
    { tenant: parseTenantNames(placeholder, dialect.rules), credential: CREDENTIAL_PLACEHOLDER, passwordSecret: verifier, validUntil: new Date(Date.now() + 3_600_000), createdAt: new Date() },
    facts,
  );
  if (facts.database !== BENCH_DATABASE) throw new Error(`expected the ${BENCH_DATABASE} database, got ${facts.database}`);
  const statements = plan.statements.map((statement) =>
    statement.sql
      .replace(/pg_advisory_xact_lock\(-?\d+\), pg_advisory_xact_lock\(-?\d+\)/, 'pg_advisory_xact_lock(:t), pg_advisory_xact_lock(-:t)')
      .replaceAll(placeholder.schemaName, 'cb_s_:t')
      .replaceAll(placeholder.username, 'cb_u_:t')
      .replaceAll(CREDENTIAL_PLACEHOLDER, 'tenantry_cred_:n'),
  );
  return `${variables(tenants)}${statements.join(' \\;\n')};\n`;
}

/** Vault's documented creation statements for a dynamic PostgreSQL role, with a grant of the tenant's role. */
function vaultStyleScript(verifier: string, tenants: number): string {
  const validUntil = new Date(Date.now() + 3_600_000).toISOString();
  return (
    `${variables(tenants)}` +
    `SELECT pg_advisory_xact_lock(:t), pg_advisory_xact_lock(-:t) \\;\n` +
    `CREATE ROLE "v_:n" WITH LOGIN PASSWORD '${verifier}' VALID UNTIL '${validUntil}' \\;\n` +
    `GRANT "cb_u_:t" TO "v_:n";\n`
  );
}

function variables(tenants: number): string {
  return `\\set n random(1000000000000000, 4611686018427387903)\n\\set t random(${FIRST_TENANT}, ${FIRST_TENANT + tenants - 1})\n`;
}

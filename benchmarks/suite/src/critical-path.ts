/**
 * Issue 15: one tenant at a time, what the caller waits for. createTenant with
 * a generated password (its verifier from the reserve) and with the caller's
 * password, against psql creating a minimal tenant with a plaintext password
 * (role, schema, its rights, search_path: the server hashes the password) and
 * the minimal client sending Tenantry's own plan with a verifier made before
 * the clock starts. Then removeTenant against the minimal client's removal,
 * on a database kept near empty (each round's tenants are removed in it).
 * Contenders are interleaved, their order rotating each round, and each call
 * starts after the same settle pause: one onboarding at a time, as a signup
 * form makes them, where work a contender leaves running (the reserve's
 * refill) ends before the next clock starts instead of landing on another
 * contender's call. Then the same creates back to back, no pause, in blocks
 * per contender: there the refill of each Tenantry call runs beside the next.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { DatabaseAdmin } from '@tenantry/admin';
import { REMOVABLE_TENANT_CHECK } from '@tenantry/sql/postgres';
import { createScript, minimalRemoveTenant, randomPassword, scramVerifier, type TenantNames } from './minimal-client.js';
import { PsqlSession } from './psql-session.js';
import { connectedClient, countSchemas, tenantName } from './setup.js';
import { rotated, summarize, type Summary } from './stats.js';

export const CREATE_CONTENDERS = ['generated', 'caller', 'minimal', 'psqlMinimal'] as const;
export type CreateContender = (typeof CREATE_CONTENDERS)[number];
const CODES: Record<CreateContender, string> = { generated: 'g', caller: 'c', minimal: 'm', psqlMinimal: 'p' };

/** Pause before each timed call of the interleaved rounds. */
export const SETTLE_MILLIS = 10;
/** Creates per contender in one back-to-back block (their tenants removed after the block, untimed). */
const BACK_TO_BACK_BLOCK = 25;
const BACK_TO_BACK_CONTENDERS = ['generated', 'minimal', 'psqlMinimal'] as const;

export interface CriticalPathResult {
  /** Which server, in words (embedded 18 with fsync off, the machine's 15 with fsync on). */
  server: string;
  version: string;
  samples: number;
  create: Record<CreateContender, Summary>;
  /** The same creates back to back (no settle pause), for the contenders that differ in background work. */
  backToBack: Record<(typeof BACK_TO_BACK_CONTENDERS)[number], Summary>;
  /** removeTenant; the minimal client sending the same plan without its checks; the minimal client's bare drops. */
  remove: { tenantry: Summary; sameWithoutChecks: Summary; minimal: Summary };
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The baseline: a minimal tenant as a hand-written script makes it, password in plaintext. */
export function minimalTenantStatements(tenant: TenantNames, database: string, password: string): string[] {
  const s = ident(tenant.schemaName);
  const u = ident(tenant.username);
  return [
    `CREATE ROLE ${u} LOGIN PASSWORD ${literal(password)}`,
    `CREATE SCHEMA ${s}`,
    `GRANT USAGE, CREATE ON SCHEMA ${s} TO ${u}`,
    `ALTER ROLE ${u} IN DATABASE ${ident(database)} SET search_path = ${s}`,
  ];
}

export async function measureCriticalPath(options: {
  url: string;
  database: string;
  server: string;
  version: string;
  samples: number;
  warmup: number;
  phase: string;
  log: (line: string) => void;
}): Promise<CriticalPathResult> {
  const admin = new DatabaseAdmin(options.url);
  const minimal: pg.Client = await connectedClient(options.url);
  const cleanup: pg.Client = await connectedClient(options.url);
  const psql = new PsqlSession(options.url);
  const created: Record<CreateContender, number[]> = { generated: [], caller: [], minimal: [], psqlMinimal: [] };
  const removed = { tenantry: [] as number[], sameWithoutChecks: [] as number[], minimal: [] as number[] };
  const backToBack: Record<(typeof BACK_TO_BACK_CONTENDERS)[number], number[]> = { generated: [], minimal: [], psqlMinimal: [] };
  const timed = async (work: () => Promise<unknown>): Promise<number> => {
    await sleep(SETTLE_MILLIS);
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  try {
    for (let round = 0; round < options.warmup + options.samples; round++) {
      const names = Object.fromEntries(CREATE_CONTENDERS.map((name) => [name, tenantName(options.phase, CODES[name], round)])) as Record<CreateContender, TenantNames>;
      // Inputs made before any clock starts: the caller's password, the minimal client's verifier, psql's plaintext.
      const callerPassword = randomPassword();
      const minimalVerifier = await scramVerifier(randomPassword());
      const psqlPassword = randomPassword();
      const create: Record<CreateContender, () => Promise<number>> = {
        generated: () => timed(() => admin.createTenant(names.generated)),
        caller: () => timed(() => admin.createTenant({ ...names.caller, password: callerPassword })),
        minimal: () => timed(() => minimal.query(createScript(names.minimal, options.database, minimalVerifier, new Date()))),
        psqlMinimal: async () => {
          await sleep(SETTLE_MILLIS);
          return psql.run(minimalTenantStatements(names.psqlMinimal, options.database, psqlPassword));
        },
      };
      const measured = round >= options.warmup;
      for (const name of rotated(CREATE_CONTENDERS, round)) {
        const ms = await create[name]();
        if (measured) created[name].push(ms);
      }
      // The suite's definition of the minimal client's removal: the statements of Tenantry's plan without its checks.
      const plan = await admin.planRemoveTenant(names.caller);
      const withoutChecks = plan.statements.filter((statement) => statement.purpose !== REMOVABLE_TENANT_CHECK).map((statement) => statement.sql).join(';\n');
      const remove = {
        tenantry: () => timed(() => admin.removeTenant(names.generated)),
        sameWithoutChecks: () => timed(() => minimal.query(withoutChecks)),
        minimal: () => timed(() => minimalRemoveTenant(minimal, names.minimal)),
      };
      for (const name of rotated(['tenantry', 'sameWithoutChecks', 'minimal'] as const, round)) {
        const ms = await remove[name]();
        if (measured) removed[name].push(ms);
      }
      await minimalRemoveTenant(cleanup, names.psqlMinimal);
      if (round % 100 === 0) options.log(`  critical path (${options.server}) round ${round}`);
    }
    const blocks = Math.ceil(options.samples / BACK_TO_BACK_BLOCK);
    for (let block = 0; block < blocks; block++) {
      for (const name of rotated(BACK_TO_BACK_CONTENDERS, block)) {
        const tenants = Array.from({ length: BACK_TO_BACK_BLOCK }, (_, i) => tenantName(options.phase, `b${CODES[name]}`, block * BACK_TO_BACK_BLOCK + i));
        const inputs = await Promise.all(tenants.map(async () => ({ verifier: await scramVerifier(randomPassword()), plaintext: randomPassword() })));
        for (const [i, tenant] of tenants.entries()) {
          const started = performance.now();
          if (name === 'generated') await admin.createTenant(tenant);
          else if (name === 'minimal') await minimal.query(createScript(tenant, options.database, inputs[i]!.verifier, new Date()));
          // psql's own \timing, as in the rounds above.
          const ms = name === 'psqlMinimal' ? await psql.run(minimalTenantStatements(tenant, options.database, inputs[i]!.plaintext)) : performance.now() - started;
          backToBack[name].push(ms);
        }
        for (const tenant of tenants) await minimalRemoveTenant(cleanup, tenant);
      }
    }
  } finally {
    await Promise.all([admin.close(), minimal.end(), cleanup.end(), psql.close()]);
  }
  const left = await countSchemas(options.url, `t_${options.phase}_`);
  if (left !== 0) throw new Error(`${left} tenants of the critical-path phase were left behind`);
  return {
    server: options.server,
    version: options.version,
    samples: options.samples,
    create: Object.fromEntries(CREATE_CONTENDERS.map((name) => [name, summarize(created[name])])) as Record<CreateContender, Summary>,
    backToBack: { generated: summarize(backToBack.generated), minimal: summarize(backToBack.minimal), psqlMinimal: summarize(backToBack.psqlMinimal) },
    remove: { tenantry: summarize(removed.tenantry), sameWithoutChecks: summarize(removed.sameWithoutChecks), minimal: summarize(removed.minimal) },
  };
}

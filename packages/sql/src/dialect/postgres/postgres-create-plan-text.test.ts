import fc from 'fast-check';
import { scramSha256Verifier, ValidationError } from '@tenantry/core';
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { executablePlan, type ExecutablePlan, type PlanStep } from '../../executable-plan.js';
import { quoteIdentifier, quoteLiteral } from '../../sql-quoting.js';
import type { Statement } from '../../statement.js';
import { referenceCompileDdl, referenceCreateTenantSteps, referencePatchRoleMarkerSettings, referenceLockTimeoutStatement, referenceRoleSwitchStatements } from '../../test-support/kysely-create-plan.js';
import type { ServerFacts } from '../dialect.js';
import { parseTenantSpec, type TenantSpec } from '../tenant-spec.js';
import { PostgresDialect } from './postgres-dialect.js';
import { postgresTransactions } from './postgres-transactions.js';
import { patchRoleMarkerStatements } from './postgres-role-marker-patch.js';
import { enterTenantStatements, grantSetRoleStatement, revokeSetRoleStatement } from './postgres-tenant-role-statements.js';

/*
 * The create plan's statements are built as plain text, not compiled. For
 * every spec generated here, on every supported server version, the plan must
 * be the one the Kysely-compiled implementation built (kept as the reference
 * in test-support), byte for byte: every statement's sql, text and purpose,
 * every step, the plan's action and atomicity. The same for the other
 * statements createTenant builds per call (lock timeout, migrations' ledger
 * and role switch).
 */

const dialect = new PostgresDialect();

/** Characters that quoting must handle, mixed with plain ones. */
const HOSTILE_UNIT = fc.constantFrom('a', 'Z', '_', '0', ' ', '"', "'", '\\', '$', ';', '-', '.', '%', 'é', 'ß', '日', '😀', '\u00a0');
const hostileText = (maxLength: number) => fc.string({ unit: fc.oneof(HOSTILE_UNIT, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength });
/** A name that starts and ends with a letter, so most are valid; the rest are skipped. */
const name = hostileText(12).map((middle) => `t${middle}x`);
const settingName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}(\.[A-Za-z_][A-Za-z0-9_]{0,10})?$/);
const settingValue = fc.oneof(hostileText(20), fc.integer(), fc.boolean());
const date = fc.date({ noInvalidDate: true });

const config = fc.record(
  {
    schemaName: name,
    username: name,
    connectionLimit: fc.integer({ min: -1, max: 1_000_000 }),
    validUntil: date,
    settings: fc.dictionary(settingName, settingValue, { maxKeys: 4 }),
    memberOf: fc.array(name, { maxLength: 3 }),
    grantTo: fc.array(name, { maxLength: 3 }),
    labels: fc.dictionary(hostileText(10), hostileText(20), { maxKeys: 4 }),
  },
  { requiredKeys: ['schemaName', 'username'] },
);

const planInput = fc.record({
  config,
  database: name,
  createdAt: date,
  requirePreparedDatabase: fc.boolean(),
  // PostgreSQL 14 to 18, any minor release.
  versionNum: fc.tuple(fc.integer({ min: 14, max: 18 }), fc.integer({ min: 0, max: 99 })).map(([major, minor]) => major * 10000 + minor),
  verifierIndex: fc.nat(),
});

const verifiers = await Promise.all(['correct horse', "it's \\ \"quoted\""].map((password) => scramSha256Verifier(password, { iterations: 4096 })));

function factsFor(database: string, versionNum: number): ServerFacts {
  return { versionNum, version: String(versionNum), database, adminRole: 'admin', isSuperuser: true, missingToCreate: [], extensions: [] };
}

/** The spec as `DatabaseAdmin` parses it; undefined when validation refuses the generated input. */
function parsed(input: unknown): TenantSpec | undefined {
  try {
    return parseTenantSpec(input, dialect);
  } catch (error) {
    if (error instanceof ValidationError) return undefined;
    throw error;
  }
}

/** Every field of a plan, secrets included, as plain data to compare. */
function planData(plan: ExecutablePlan) {
  const statement = (s: Statement) => ({ purpose: s.purpose, sql: s.sql, text: s.text, hasSecret: s.hasSecret });
  const step = (s: PlanStep) => {
    if (s.kind !== 'run') throw new Error(`a create plan has only run steps, got ${s.kind}`);
    return { kind: s.kind, statements: s.statements.map(statement), undo: s.undo.map(statement) };
  };
  return {
    action: plan.action,
    atomicity: plan.atomicity,
    steps: plan.steps.map(step),
    finally: plan.finally.map(statement),
    statements: plan.statements.map(statement),
  };
}

describe('the create plan built as text', () => {
  it('is byte-identical to the Kysely-compiled plan for every spec, on PostgreSQL 14 to 18', () => {
    let checked = 0;
    fc.assert(
      fc.property(planInput, (input) => {
        const tenant = parsed(input.config);
        fc.pre(tenant !== undefined);
        const passwordSecret = verifiers[input.verifierIndex % verifiers.length]!;
        const facts = factsFor(input.database, input.versionNum);
        const plan = dialect.planCreateTenant(
          { tenant, passwordSecret, requirePreparedDatabase: input.requirePreparedDatabase, createdAt: input.createdAt },
          facts,
        );
        const reference = executablePlan(
          'create-tenant',
          'transaction',
          referenceCreateTenantSteps({
            schemaName: tenant.schemaName,
            username: tenant.username,
            ...tenant.options,
            passwordVerifier: passwordSecret,
            database: facts.database,
            requirePreparedDatabase: input.requirePreparedDatabase,
            createdAt: input.createdAt,
          }),
        );
        expect(planData(plan)).toEqual(planData(reference));
        checked += 1;
      }),
      { numRuns: 2000 },
    );
    // Most generated inputs are valid names: the comparison ran, not only the skips.
    expect(checked).toBeGreaterThan(1000);
  });

  it('covers every optional part of the plan among the generated specs', () => {
    // A guard against generators that never reach a branch: each kind of
    // statement the options add shows up in some generated plan.
    const seen = new Set<string>();
    fc.assert(
      fc.property(planInput, (input) => {
        const tenant = parsed(input.config);
        fc.pre(tenant !== undefined);
        const plan = dialect.planCreateTenant(
          { tenant, passwordSecret: verifiers[0]!, requirePreparedDatabase: input.requirePreparedDatabase, createdAt: input.createdAt },
          factsFor(input.database, input.versionNum),
        );
        for (const s of plan.statements) {
          if (s.sql.includes(' VALID UNTIL ')) seen.add('validUntil');
          if (/ SET (?!search_path)/.test(s.sql) && s.sql.startsWith('ALTER ROLE')) seen.add('settings');
          if (s.purpose.startsWith('make the tenant a member of')) seen.add('memberOf');
          if (s.purpose.startsWith("give ")) seen.add('grantTo');
          if (s.sql.includes('"labels":')) seen.add('labels');
          if (s.sql.includes("E'")) seen.add('escape string');
          if (s.sql.includes('""')) seen.add('doubled double quote');
          if (s.sql.includes("has_schema_privilege('public'")) seen.add('requirePreparedDatabase');
        }
      }),
      { numRuns: 500 },
    );
    expect([...seen].sort()).toEqual(
      ['doubled double quote', 'escape string', 'grantTo', 'labels', 'memberOf', 'requirePreparedDatabase', 'settings', 'validUntil'].sort(),
    );
  });
});

describe('quoteIdentifier and quoteLiteral', () => {
  it('write what the reference compiler writes for sql.id and sql.lit, for any string', () => {
    fc.assert(
      // Any code point, with the characters quoting acts on made frequent.
      fc.property(fc.string({ unit: fc.oneof(HOSTILE_UNIT, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })) }), (value) => {
        expect(quoteIdentifier(value)).toBe(referenceCompileDdl(sql`${sql.id(value)}`));
        expect(quoteLiteral(value)).toBe(referenceCompileDdl(sql`${sql.lit(value)}`));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the role marker patch built as text', () => {
  it('is byte-identical to the Kysely-compiled statement, for any role and patch', () => {
    const patch = fc.dictionary(hostileText(8), fc.oneof(fc.constant(null), hostileText(20), fc.record({ last: hostileText(20), count: fc.nat() })), { maxKeys: 3 });
    fc.assert(
      fc.property(name, patch, (username, fields) => {
        const [settings] = patchRoleMarkerStatements(username, fields, 'record the migrations');
        expect(settings!.sql).toBe(referencePatchRoleMarkerSettings(username, fields));
        expect(settings!.text).toBe(settings!.sql);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("the migrations' role switch built as text", () => {
  it('is byte-identical to the Kysely-compiled statements, for any names and options', () => {
    fc.assert(
      fc.property(name, name, name, fc.boolean(), fc.boolean(), (role, member, schemaName, roleGrantOptions, ownGrant) => {
        const options = { roleGrantOptions, ownGrant };
        const built = [grantSetRoleStatement(role, member, options), revokeSetRoleStatement(role, member, options), ...enterTenantStatements(schemaName, role)];
        expect(built.map((s) => s.sql)).toEqual(referenceRoleSwitchStatements(role, member, schemaName, options));
        expect(built.map((s) => s.text)).toEqual(built.map((s) => s.sql));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the lock timeout built as text', () => {
  it('is byte-identical to the Kysely-compiled statement, for any allowed timeout', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat(), fc.maxSafeNat(), fc.constantFrom(0, 1e21, Number.MAX_SAFE_INTEGER)), (lockTimeoutMillis) => {
        const lockTimeout = postgresTransactions.transactionSettings({ lockTimeoutMillis }).at(-1)!;
        expect(lockTimeout.sql).toBe(referenceLockTimeoutStatement(lockTimeoutMillis));
        expect(lockTimeout.text).toBe(lockTimeout.sql);
      }),
      { numRuns: 1000 },
    );
  });
});

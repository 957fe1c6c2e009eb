import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { inspect, promisify } from 'node:util';
import fc from 'fast-check';
import pg from 'pg';
import { parse } from 'pg-connection-string';
import { describe, expect, inject, it } from 'vitest';
import { TenantCredentials, validatePassword, ValidationError } from '@tenantry/core';
import { formatPlan, planToScript } from '@tenantry/sql';
import { catalogSnapshot, connectAs, uniqueName, useAdminFixture } from '../test-support/tenant-fixture.js';

/*
 * Caller-given passwords built from hostile material. Each is either refused by
 * validatePassword with the rule that applies (decided here by an oracle
 * written from RFC 3454 / RFC 4013, not by the product's code), or the tenant
 * created with it logs in, through its connection string and through raw
 * connection parameters, a wrong password is refused with 28P01, and the
 * plaintext never shows in pg_stat_activity or in any form of the plan.
 */

const MAX_PASSWORD_LENGTH = 1024;

// RFC 3454 table B.1: commonly mapped to nothing.
const B1 = [0x00ad, 0x034f, 0x1806, 0x180b, 0x180c, 0x180d, 0x200b, 0x200c, 0x200d, 0x2060, ...range(0xfe00, 0xfe0f), 0xfeff];
// RFC 3454 table C.1.2: non-ASCII space characters (SASLprep maps them to U+0020).
const C12 = [0x00a0, 0x1680, ...range(0x2000, 0x200b), 0x202f, 0x205f, 0x3000];
const SASLPREP_MAPPED = new Set([...B1, ...C12]);

type PasswordRule = 'too-long' | 'control-character' | 'password-not-saslprep-stable';

/** Every rule the password breaks; empty when it must be accepted. */
function brokenRules(password: string): PasswordRule[] {
  const rules = new Set<PasswordRule>();
  if (password.length > MAX_PASSWORD_LENGTH || [...password].length > MAX_PASSWORD_LENGTH) rules.add('too-long');
  for (let i = 0; i < password.length; i++) {
    const unit = password.charCodeAt(i);
    const high = unit >= 0xd800 && unit <= 0xdbff;
    const low = unit >= 0xdc00 && unit <= 0xdfff;
    if (high && i + 1 < password.length && password.charCodeAt(i + 1) >= 0xdc00 && password.charCodeAt(i + 1) <= 0xdfff) {
      i++; // a well-formed pair
      continue;
    }
    if (high || low) {
      // An unpaired surrogate cannot even be encoded in UTF-8: either rule is a fair name for it.
      rules.add('control-character');
      rules.add('password-not-saslprep-stable');
    }
    if (unit <= 0x1f || (unit >= 0x7f && unit <= 0x9f)) rules.add('control-character');
    if (SASLPREP_MAPPED.has(unit)) rules.add('password-not-saslprep-stable');
  }
  if (!rules.has('control-character') && password.normalize('NFKC') !== password) rules.add('password-not-saslprep-stable');
  return [...rules];
}

const RULE_WORDING: Record<PasswordRule, RegExp> = {
  'too-long': /at most 1024/,
  'control-character': /control character|surrogate/,
  'password-not-saslprep-stable': /SASLprep/,
};

const ACCEPTABLE = [
  "'", "''", '"', '\\', '\\\\', ';', '--', '/*', '$$', '$tag$', '$1', '%', '%25', '%zz', '%2', '%00', '@', ':', '/', '?', '#', '&', '=', '+', ' ', '  ', '`', '${x}',
  "'; DROP ROLE postgres; --", "E'\\x00'", 'SCRAM-SHA-256$4096:', 'md5', '\\n', 'user=admin', '?password=x&sslpassword=y',
  'ü', 'é', 'ß', 'Ω', '日本語', '한국어', 'עברית', 'العربية', 'אa', '🔑', '🦄', '𝔸x', '\u2028', '\ue000', '\u0378',
];
// Each of these breaks a rule on its own.
const REFUSABLE = [
  '\u0000', '\u0001', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u009f',
  '\u00a0', '\u1680', '\u2003', '\u202f', '\u3000', '\u200b', '\u200c', '\u200d', '\u00ad', '\u2060', '\ufeff', '\ufe0f',
  'ﬁ', '①', 'Ａ', '½', 'e\u0301', '\u2126', '\u212b', '👩‍💻', '🏳️‍🌈', '\ud800', '\udfff',
];
const ALNUM = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'];

const token = fc.array(fc.constantFrom(...ALNUM), { minLength: 12, maxLength: 12 }).map((chars) => `T${chars.join('')}`);
const fragment = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...ACCEPTABLE) }, { weight: 1, arbitrary: fc.constantFrom(...REFUSABLE) });
const shortish = fc
  .record({ before: fc.array(fragment, { maxLength: 6 }), after: fc.array(fragment, { maxLength: 6 }), token })
  .map(({ before, after, token }) => ({ password: `${before.join('')}${token}${after.join('')}`, token }));
const ASCII_UNITS = ACCEPTABLE.filter((unit) => /^[\x20-\x7e]+$/.test(unit));
// 1000 to 1024 UTF-16 units (accepted unless something else applies), or clearly too long.
const long = fc.oneof(
  fc
    .record({ unit: fc.constantFrom(...ACCEPTABLE), size: fc.integer({ min: 1000, max: MAX_PASSWORD_LENGTH }), token })
    .map(({ unit, size, token }) => ({ password: fill(token, unit, size), token })),
  fc
    .record({ unit: fc.constantFrom(...ASCII_UNITS), size: fc.constantFrom(MAX_PASSWORD_LENGTH + 1, 1100, 4096), token })
    .map(({ unit, size, token }) => ({ password: fill(token, unit, size), token })),
);
const passwords = fc.oneof({ weight: 5, arbitrary: shortish }, { weight: 1, arbitrary: long });

function fill(start: string, unit: string, size: number): string {
  let text = start;
  while (text.length + unit.length <= size) text += unit;
  return text.padEnd(size, 'x');
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe('hostile passwords', () => {
  const fixture = useAdminFixture();

  it('are refused with the rule that applies, or log in through the connection string and through raw parameters', { timeout: 180_000 }, async () => {
    const { admin, superuser, database } = fixture();
    const server = parse(database.url);
    let accepted = 0;
    let refused = 0;

    const property = fc.asyncProperty(passwords, async ({ password, token }) => {
      const rules = brokenRules(password);
      const schemaName = uniqueName('pw');
      const username = uniqueName('pw_user');

      if (rules.length > 0) {
        refused++;
        const direct = captureError(() => validatePassword(password));
        expect(direct, `validatePassword should refuse (${rules})`).toBeInstanceOf(ValidationError);
        expect(rules).toContain((direct as ValidationError).rule);
        expect((direct as ValidationError).field).toBe('password');
        expect((direct as ValidationError).message).toMatch(RULE_WORDING[(direct as ValidationError).rule as PasswordRule]);
        const before = await catalogSnapshot(superuser);
        const viaAdmin = await admin.createTenant({ schemaName, username, password }).catch((e: unknown) => e);
        expect(viaAdmin).toBeInstanceOf(ValidationError);
        expect(viaAdmin).toMatchObject({ field: 'password', rule: (direct as ValidationError).rule });
        for (const error of [direct, viaAdmin]) expectNoSecret(renderings(error), password, token);
        expect(await catalogSnapshot(superuser)).toEqual(before);
        return;
      }

      accepted++;
      expect(validatePassword(password)).toBe(password);
      const plan = await admin.planCreateTenant({ schemaName, username, password });
      expectNoSecret(
        [
          planToScript(plan),
          formatPlan(plan),
          JSON.stringify(plan),
          String(plan),
          inspect(plan, { depth: 10, showHidden: true }),
          ...plan.statements.flatMap((statement) => [statement.sql, statement.text]),
        ],
        password,
        token,
      );

      const credentials = await admin.createTenant({ schemaName, username, password });
      try {
        expect(credentials).toBeInstanceOf(TenantCredentials);
        expect(credentials.password).toBe(password);
        expect(parse(credentials.connectionString).password).toBe(password);

        // Right after the create, the admin's pooled session still shows its last query.
        const needles = secretNeedles(password, token);
        if (needles.length > 0) {
          const activity = await superuser.query(
            `SELECT pid, usename, query FROM pg_catalog.pg_stat_activity
              WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) AS needle WHERE strpos(query, needle) > 0)`,
            [needles],
          );
          expect(activity.rows).toEqual([]);
        }

        const viaUrl = await connectAs(credentials.connectionString);
        try {
          expect((await viaUrl.query('SELECT current_user AS u')).rows[0].u).toBe(username);
        } finally {
          await viaUrl.end();
        }
        // The raw password, not the URL: proves the percent-encoding round-trips.
        const raw = { host: server.host ?? undefined, port: Number(server.port), database: database.name, user: username };
        const viaParams = new pg.Client({ ...raw, password });
        await viaParams.connect();
        try {
          expect((await viaParams.query('SELECT current_user AS u')).rows[0].u).toBe(username);
        } finally {
          await viaParams.end();
        }
        if (inject('tenantryPasswordsChecked')) {
          const wrong = new pg.Client({ ...raw, password: `${password}x` });
          wrong.on('error', () => undefined);
          await expect(wrong.connect()).rejects.toMatchObject({ code: '28P01' });
          await wrong.end().catch(() => undefined);
        }
      } finally {
        await admin.removeTenant(credentials);
      }
    });

    await fc.assert(property, {
      numRuns: 80,
      examples: [
        [{ password: `Given p@ss:/?#%'"\\ ünï 🔑`, token: '' }],
        [{ password: "'", token: '' }],
        [{ password: '\\', token: '' }],
        [{ password: '%25', token: '' }],
        [{ password: ' ', token: '' }],
        [{ password: fill('TlongAcceptedXX', "'", MAX_PASSWORD_LENGTH), token: 'TlongAcceptedXX' }],
        [{ password: fill('TlongRefusedXXX', '%', MAX_PASSWORD_LENGTH + 1), token: 'TlongRefusedXXX' }],
        [{ password: 'Tnul0000000000\u0000', token: 'Tnul0000000000' }],
        [{ password: 'Tnbsp000000000\u00a0x', token: 'Tnbsp000000000' }],
        [{ password: 'Tligature00000ﬁ', token: 'Tligature00000' }],
        [{ password: 'Tzwsp000000000\u200b', token: 'Tzwsp000000000' }],
      ],
    });
    expect(accepted).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
  });

  // libpq applies SASLprep before SCRAM; node-postgres does not. Passwords the
  // policy accepts must work with both, so try the real libpq (psql) where it
  // is installed: with the connection string, and with PGPASSWORD.
  const psql = findPsql();
  it.runIf(psql !== undefined && inject('tenantryPasswordsChecked'))('log in with libpq (psql) too, by URL and by PGPASSWORD', { timeout: 120_000 }, async () => {
    const { admin, database } = fixture();
    const server = parse(database.url);
    const sampled = fc
      .sample(shortish, { numRuns: 40, seed: 20_260_401 })
      .map(({ password }) => password)
      .filter((password) => brokenRules(password).length === 0)
      .slice(0, 10);
    const chosen = [
      ...sampled,
      "O'Brien \"quoted\" \\ $$ -- ; %25 @:/?#&=+",
      'ß日本語🔑',
      'line\u2028separator', // prohibited by SASLprep: libpq falls back to the raw bytes
      'private\ue000use',
      'unassigned\u0378',
      'bidi אa mix',
      fill('long', "'", MAX_PASSWORD_LENGTH),
    ];
    for (const password of chosen) {
      expect(brokenRules(password), JSON.stringify(password)).toEqual([]);
      const credentials = await admin.createTenant({ schemaName: uniqueName('psql'), username: uniqueName('psql_user'), password });
      try {
        const env: NodeJS.ProcessEnv = { ...process.env, PGPASSFILE: '/dev/null', PGCONNECT_TIMEOUT: '10', PGSSLMODE: 'disable' };
        delete env['PGPASSWORD'];
        const byUrl = await execFileAsync(psql!, ['-XAt', '-d', credentials.connectionString, '-c', 'SELECT current_user'], { env });
        expect(byUrl.stdout.trim(), `by URL, password ${JSON.stringify(password)}`).toBe(credentials.username);
        const byEnv = await execFileAsync(
          psql!,
          ['-XAt', '-h', server.host!, '-p', String(server.port), '-U', credentials.username, '-d', database.name, '-c', 'SELECT current_user'],
          { env: { ...env, PGPASSWORD: password } },
        );
        expect(byEnv.stdout.trim(), `by PGPASSWORD, password ${JSON.stringify(password)}`).toBe(credentials.username);
      } finally {
        await admin.removeTenant(credentials);
      }
    }
  });
});

const execFileAsync = promisify(execFile);

function findPsql(): string | undefined {
  for (const candidate of [process.env['PSQL'], '/usr/bin/psql', '/usr/local/bin/psql']) {
    if (!candidate) continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}

function captureError(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  return undefined;
}

function renderings(error: unknown): string[] {
  const e = error as Error;
  return [String(e), e.message, e.stack ?? '', inspect(e, { depth: 10, showHidden: true }), JSON.stringify(e)];
}

/**
 * What must never show: the password, when it is long enough to mean
 * something, and its random token, which also catches escaped or re-encoded
 * forms of the password (the token is alphanumeric, so every encoding keeps it).
 */
function secretNeedles(password: string, token: string): string[] {
  return [...(token === '' ? [] : [token]), ...(password.length >= 8 ? [password] : [])];
}

function expectNoSecret(texts: string[], password: string, token: string): void {
  for (const needle of secretNeedles(password, token)) {
    for (const text of texts) expect(text).not.toContain(needle);
  }
}

import { format, inspect } from 'node:util';
import fc from 'fast-check';
import { parse } from 'pg-connection-string';
import { describe, expect, it } from 'vitest';
import * as core from './index.js';
import {
  ClusterNodeError,
  ConnectionError,
  DatabaseError,
  DatabaseNotPreparedError,
  formatConnectionString,
  PermissionError,
  redactConnectionString,
  TenantAlreadyExistsError,
  TenantBusyError,
  TenantRemovalBlockedError,
  TenantCredentials,
  tenantConnectionString,
  TenantNotFoundError,
  TenantNotManagedError,
  TenantryError,
  validatePassword,
  ValidationError,
} from './index.js';

/*
 * A password that went into core never comes out in a printable form: not in
 * an error (String, message, stack, util.inspect with every hidden property,
 * JSON), not in TenantCredentials' printable forms, not in a redacted URL.
 * Each generated secret carries a random alphanumeric token: the token survives
 * every escaping and percent-encoding, so finding it catches re-encoded leaks.
 */

const ALNUM = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'];
const token = fc.array(fc.constantFrom(...ALNUM), { minLength: 12, maxLength: 12 }).map((chars) => `K${chars.join('')}`);
const HOSTILE = ["'", '"', '\\', ';', '--', '$$', '%', '%25', '%zz', '@', ':', '/', '?', '#', '&', '=', '+', ' ', 'ü', '日本', '🔑', 'password=', '***', '[redacted]'];
const hostile = fc.array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 5 }).map((parts) => parts.join(''));
/** A secret with its token somewhere in it. */
const secret = fc.record({ before: hostile, token, after: hostile }).map(({ before, token, after }) => ({ value: `${before}${token}${after}`, token }));

function errorRenderings(error: unknown): string[] {
  const e = error as Error;
  return [String(e), e.message, e.stack ?? '', inspect(e, { depth: 10, showHidden: true }), JSON.stringify(e), format('%o', e)];
}

/** The forms a secret could leak in: as is, percent-encoded, JSON-escaped, and its token. */
function forms(secretValue: string, secretToken: string): string[] {
  const encoded = safe(() => encodeURIComponent(secretValue));
  return [...new Set([secretToken, ...(secretValue.length >= 8 ? [secretValue, encoded, JSON.stringify(secretValue).slice(1, -1)] : [])])].filter(
    (form): form is string => typeof form === 'string' && form.length > 0,
  );
}

function expectAbsent(texts: string[], secretValue: string, secretToken: string): void {
  for (const form of forms(secretValue, secretToken)) {
    for (const text of texts) expect(text, `leaked ${JSON.stringify(form)}`).not.toContain(form);
  }
}

function safe<T>(work: () => T): T | undefined {
  try {
    return work();
  } catch {
    return undefined;
  }
}

function thrown(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('TenantCredentials', () => {
  it('never shows the password or the connection string in any printable form', () => {
    fc.assert(
      fc.property(secret, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), (password, username, schemaName) => {
        const connectionString = tenantConnectionString('postgresql://admin:AdminPw@db.example.com:5432/app?sslmode=require', {
          username,
          password: password.value,
        });
        const credentials = new TenantCredentials({ username, schemaName, password: password.value, connectionString });
        expect(credentials.password).toBe(password.value);
        expect(credentials.connectionString).toBe(connectionString);
        const texts = [
          String(credentials),
          `${credentials}`,
          credentials.toString(),
          JSON.stringify(credentials),
          JSON.stringify({ credentials }),
          JSON.stringify({ ...credentials }),
          JSON.stringify(Object.entries(credentials)),
          JSON.stringify(Object.values(credentials)),
          inspect(credentials),
          inspect(credentials, { depth: 10, showHidden: true }),
          inspect({ nested: { credentials } }, { depth: 10, showHidden: true }),
          inspect(structuredClone(credentials), { depth: 10, showHidden: true }),
          format('%s %o %O %j', credentials, credentials, credentials, credentials),
        ];
        expectAbsent(texts, password.value, password.token);
        for (const text of texts) expect(text).not.toContain('AdminPw');
        expect(inspect(credentials)).toContain(JSON.stringify(username));
      }),
      { numRuns: 200 },
    );
  });
});

describe('validatePassword', () => {
  const refusable = fc
    .record({
      secret,
      bad: fc.constantFrom('\u0000', '\n', '\u007f', '\u0085', '\u00a0', '\u3000', '\u200b', '\u00ad', '\ufeff', 'ﬁ', '①', 'e\u0301', '\ud800'),
      long: fc.boolean(),
    })
    .map(({ secret, bad, long }) => ({ value: `${secret.value}${bad}${long ? 'x'.repeat(1100) : ''}`, token: secret.token }));

  it('refuses without repeating the password in the error', () => {
    fc.assert(
      fc.property(refusable, (password) => {
        const error = thrown(() => validatePassword(password.value));
        expect(error).toBeInstanceOf(ValidationError);
        expectAbsent(errorRenderings(error), password.value, password.token);
      }),
      { numRuns: 200 },
    );
  });
});

/** Builds every error class the way Tenantry does, from an operation whose input held `secretValue`. */
function buildErrors(secretValue: string): Record<string, TenantryError> {
  const url = `postgresql://admin:${encodeURIComponent(secretValue)}@db.example.com:5432/app`;
  // What the driver (pg-connection-string) throws for a URL it cannot parse: here a bad port.
  const driverError = thrown(() => parse(`postgresql://admin:${encodeURIComponent(secretValue)}@db.example.com:notaport/app`));
  const where = redactConnectionString(url);
  return {
    TenantryError: new TenantryError('DATABASE', { message: `Could not reach ${where}`, sqlState: '08006', cause: driverError }),
    ValidationError: thrown(() => validatePassword(`${secretValue}\u0000`)) as ValidationError,
    TenantAlreadyExistsError: new TenantAlreadyExistsError({ objectKind: 'role', objectName: 'acme', sqlState: '42710', cause: driverError }),
    TenantNotFoundError: new TenantNotFoundError({ objectKind: 'schema', objectName: 'acme' }),
    TenantNotManagedError: new TenantNotManagedError({ objectKind: 'role', objectName: 'acme', reason: 'it carries no Tenantry marker' }),
    PermissionError: new PermissionError({ privilege: 'CREATEROLE', message: `The admin at ${where} lacks CREATEROLE`, sqlState: '42501', cause: driverError }),
    ConnectionError: new ConnectionError({ message: `Could not connect to ${where}`, sqlState: '28P01', cause: driverError }),
    ClusterNodeError: new ClusterNodeError({ node: 'worker-1:5432', message: `Worker of ${where} failed`, sqlState: '08006', cause: driverError }),
    DatabaseNotPreparedError: new DatabaseNotPreparedError({ database: 'app', sqlState: 'TRY01', cause: driverError }),
    DatabaseError: new DatabaseError({ message: `Failed at ${where}`, sqlState: 'XX000', cause: driverError }),
    TenantRemovalBlockedError: new TenantRemovalBlockedError({
      schemaName: 'acme',
      username: 'acme_user',
      database: 'app',
      blockers: [{ database: 'postgres', objects: ['large object 16386'], count: 1, described: true }],
    }),
    TenantBusyError: new TenantBusyError({ action: `remove tenant "acme" at ${where}`, lockTimeoutMillis: 30_000, sqlState: '55P03', cause: driverError }),
  };
}

describe('every error class', () => {
  const classes = Object.entries(core).filter(
    ([, value]) => typeof value === 'function' && (value === TenantryError || value.prototype instanceof TenantryError),
  );

  it('is covered here (a new class must be added to buildErrors)', () => {
    expect(Object.keys(buildErrors('x')).sort()).toEqual(classes.map(([name]) => name).sort());
  });

  it('keeps a password that was in the input out of String, message, stack, inspect and JSON', () => {
    fc.assert(
      fc.property(secret, (password) => {
        const errors = buildErrors(password.value);
        for (const [name, error] of Object.entries(errors)) {
          expect(error.name).toBe(name);
          expect(TenantryError.isInstance(error)).toBe(true);
          expectAbsent(errorRenderings(error), password.value, password.token);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('connection-string helpers', () => {
  const host = fc.oneof(
    fc.constantFrom('localhost', 'db.example.com', '10.0.0.7', '[::1]', 'pg-primary.internal'),
    fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
  );
  const hostPort = fc.record({ host, port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }) }).map(({ host, port }) =>
    port === undefined ? host : `${host}:${port}`,
  );
  const harmless = fc.constantFrom('sslmode=require', 'application_name=billing', 'connect_timeout=5', 'target_session_attrs=read-write', 'options=-c%20statement_timeout%3D5s');

  interface GeneratedUrl {
    url: string;
    hosts: string;
    database: string;
    secrets: { value: string; token: string }[];
  }
  const urls: fc.Arbitrary<GeneratedUrl> = fc
    .record({
      scheme: fc.constantFrom('postgresql', 'postgres', 'PostgreSQL'),
      user: fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), { nil: undefined }),
      userPassword: fc.option(secret, { nil: undefined }),
      hosts: fc.array(hostPort, { minLength: 1, maxLength: 3 }).map((list) => list.join(',')),
      database: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
      params: fc.array(
        fc.oneof(
          harmless.map((pair) => ({ pair, secret: undefined })),
          fc
            .record({ name: fc.constantFrom('password', 'sslpassword', 'pass%77ord', 'sslpass%77ord'), secret })
            .map(({ name, secret }) => ({ pair: `${name}=${encodeURIComponent(secret.value)}`, secret })),
        ),
        { maxLength: 4 },
      ),
    })
    .map(({ scheme, user, userPassword, hosts, database, params }) => {
      const userInfo = user === undefined ? '' : `${encodeURIComponent(user)}${userPassword ? `:${encodeURIComponent(userPassword.value)}` : ''}@`;
      const query = params.length > 0 ? `?${params.map((p) => p.pair).join('&')}` : '';
      return {
        url: `${scheme}://${userInfo}${hosts}/${encodeURIComponent(database)}${query}`,
        hosts,
        database: encodeURIComponent(database),
        secrets: [...(user !== undefined && userPassword ? [userPassword] : []), ...params.flatMap((p) => (p.secret ? [p.secret] : []))],
      };
    });

  it('redactConnectionString hides every password (user info, password=, sslpassword=) and keeps hosts, ports and database', () => {
    fc.assert(
      fc.property(urls, ({ url, hosts, database, secrets }) => {
        const redacted = redactConnectionString(url);
        for (const s of secrets) expectAbsent([redacted], s.value, s.token);
        expect(redacted).toContain(`${hosts}/${database}`);
      }),
      { numRuns: 300 },
    );
  });

  it("tenantConnectionString never hands the admin's secrets to the tenant", () => {
    fc.assert(
      fc.property(urls, secret, ({ url, hosts, database, secrets }, tenantPassword) => {
        const tenantUrl = tenantConnectionString(url, { username: 'acme', password: tenantPassword.value });
        for (const s of secrets) expectAbsent([tenantUrl, redactConnectionString(tenantUrl)], s.value, s.token);
        expect(tenantUrl).toContain(`@${hosts}/${database}`);
        expectAbsent([redactConnectionString(tenantUrl)], tenantPassword.value, tenantPassword.token);
      }),
      { numRuns: 300 },
    );
  });

  it('formatConnectionString round-trips the password, and its redacted form hides it', () => {
    fc.assert(
      fc.property(secret, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), (password, databaseName) => {
        const url = formatConnectionString({ host: 'db.example.com', port: 5432, database: databaseName, user: 'acme', password: password.value, params: { sslpassword: password.value } });
        expect(parse(url).password).toBe(password.value);
        expectAbsent([redactConnectionString(url)], password.value, password.token);
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['key=value string', 'host=db user=admin password=KsecretKV1234'],
    ['another scheme', 'mysql://admin:KsecretMy1234@db/app'],
    ['a single slash', 'postgresql:/admin:KsecretSl1234@db/app'],
    ['a leading space', ' postgresql://admin:KsecretSp1234@db/app'],
  ])('refuses a malformed admin URL (%s) without echoing it', (_what, url) => {
    const error = thrown(() => tenantConnectionString(url, { username: 'acme', password: 'pw' }));
    expect(error).toBeInstanceOf(ValidationError);
    expectAbsent(errorRenderings(error), url, url.match(/Ksecret\w+/)![0]);
    expect(redactConnectionString(url)).not.toMatch(/Ksecret/);
  });

  // Product finding: a password pasted without percent-encoding that holds "/",
  // "?" or "#" ends the authority early in splitUrl, so no user info is found
  // and the URL comes back unchanged, password and all. Such a string is not a
  // valid URL (WHATWG URL refuses it too), and the documented behaviour for
  // input that is not a URL is to replace it whole.
  it.each([
    ['/', 'postgresql://admin:Ksecret/Slash1@db.example.com:5432/app'],
    ['?', 'postgresql://admin:Ksecret?Query1@db.example.com:5432/app'],
    ['#', 'postgresql://admin:Ksecret#Hash12@db.example.com:5432/app'],
  ])('redactConnectionString hides a password with a raw "%s" in it', (_char, url) => {
    expect(redactConnectionString(url)).not.toContain('Ksecret');
  });
});

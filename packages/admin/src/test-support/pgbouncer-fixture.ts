import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { generatePassword, scramSha256Verifier } from '@tenantry/core';
import { startPgbouncer, uniqueName, type PgbouncerLane, type RunningPgbouncer } from '@tenantry/testing';
import { DatabaseAdmin } from '../database-admin.js';
import type { AdminFixture } from './tenant-fixture.js';

export interface PgbouncerFixture {
  bouncer: RunningPgbouncer;
  /** The lane's admin, handing tenants connection strings that point at PgBouncer. */
  admin: DatabaseAdmin;
  /** The role PgBouncer's auth_user logs in as. */
  authRole: string;
  /** The `auth_query` prepare reported. */
  authQuery: string;
}

/**
 * PgBouncer (transaction pooling) in front of the file's scratch database:
 * an auth role made here (its password, and only its, in PgBouncer's
 * auth_file), the login lookup installed by `prepare({ poolerAuth })` as a
 * superuser (the least-privilege lane cannot: a superuser does it once, as
 * on a self-hosted server), and an admin whose tenants connect through it.
 */
export function usePgbouncer(lane: PgbouncerLane, fixture: () => AdminFixture, options: { poolSize?: number; settings?: Record<string, string> } = {}): () => PgbouncerFixture {
  let state: PgbouncerFixture | undefined;
  beforeAll(async () => {
    if (!lane.available) return;
    const { superuser, database, adminUrl } = fixture();
    const authRole = uniqueName('pgb_auth');
    const authPassword = generatePassword(32);
    await superuser.query(`CREATE ROLE ${pg.escapeIdentifier(authRole)} LOGIN PASSWORD ${pg.escapeLiteral(await scramSha256Verifier(authPassword))}`);
    const installer = new DatabaseAdmin(database.url);
    const report = await installer.prepare({ poolerAuth: { role: authRole } }).finally(() => installer.close());
    const server = new URL(adminUrl);
    const bouncer = await startPgbouncer({
      binary: lane.binary,
      serverHost: server.hostname,
      serverPort: Number(server.port),
      database: database.name,
      authUser: authRole,
      authPassword,
      authQuery: report.poolerAuthQuery!,
      poolSize: options.poolSize ?? 2,
      ...(options.settings ? { settings: options.settings } : {}),
    });
    const admin = new DatabaseAdmin(adminUrl, { tenantConnection: { host: bouncer.host, port: bouncer.port } });
    state = { bouncer, admin, authRole, authQuery: report.poolerAuthQuery! };
  });
  afterAll(async () => {
    if (!state) return;
    await state.admin.close();
    await state.bouncer.stop();
    const { superuser } = fixture();
    const role = pg.escapeIdentifier(state.authRole);
    await superuser.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`).catch(() => undefined);
  });
  return () => {
    if (!state) throw new Error('PgBouncer fixture used outside a test');
    return state;
  };
}

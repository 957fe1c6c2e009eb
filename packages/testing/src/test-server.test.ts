import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { startTestServer } from './test-server.js';
import { withClient } from './with-client.js';

describe('startTestServer', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('uses TEST_DATABASE_URL when it is set, and never stops that server', async () => {
    const adminUrl = inject('tenantryAdminUrl');
    vi.stubEnv('TEST_DATABASE_URL', adminUrl);
    const server = await startTestServer();
    expect(server).toMatchObject({ kind: 'external', adminUrl, logFile: undefined });
    expect(server.serverVersionNum).toBe(inject('tenantryServerVersion'));
    await server.stop();
    const one = await withClient(adminUrl, async (c) => (await c.query('SELECT 1 AS one')).rows[0]);
    expect(one).toEqual({ one: 1 });
  });

  it('names the variable, not its value, when that server is unreachable', async () => {
    vi.stubEnv('TEST_DATABASE_URL', 'postgres://u:s3cret-value@127.0.0.1:1/db');
    const error = await startTestServer().catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^Cannot use the server at TEST_DATABASE_URL/);
    expect((error as Error).message).not.toContain('s3cret-value');
  });
});

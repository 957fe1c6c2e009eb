import { describe, expect, inject, it } from 'vitest';
import { createScratchDatabase } from './scratch-database.js';
import { withClient } from './with-client.js';

const adminUrl = inject('tenantryAdminUrl');

async function databaseExists(name: string): Promise<boolean> {
  return withClient(adminUrl, async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
}

describe('createScratchDatabase', () => {
  it('creates a uniquely named database reachable at url', async () => {
    const db = await createScratchDatabase(adminUrl);
    try {
      expect(db.name).toMatch(/^scratch_[0-9a-z]{16}$/);
      const current = await withClient(db.url, async (c) => (await c.query('SELECT current_database() AS d')).rows[0]);
      expect(current).toEqual({ d: db.name });
    } finally {
      await db.drop();
    }
  });

  it('keeps credentials, host and query parameters of the admin URL', async () => {
    const withParams = new URL(adminUrl);
    withParams.searchParams.set('application_name', 'tenantry_scratch_test');
    const db = await createScratchDatabase(withParams.toString(), 'params');
    try {
      expect(db.name.startsWith('params_')).toBe(true);
      const url = new URL(db.url);
      expect(url.username).toBe(withParams.username);
      expect(url.password).toBe(withParams.password);
      expect(url.host).toBe(withParams.host);
      const row = await withClient(db.url, async (c) => (await c.query('SHOW application_name')).rows[0]);
      expect(row).toEqual({ application_name: 'tenantry_scratch_test' });
    } finally {
      await db.drop();
    }
  });

  it('drop() removes the database even with a session still open, and is idempotent', async () => {
    const db = await createScratchDatabase(adminUrl);
    expect(await databaseExists(db.name)).toBe(true);
    const outcome = await withClient(db.url, async (c) => {
      await db.drop();
      return c.query('SELECT 1').then(
        () => 'still connected',
        () => 'session terminated',
      );
    });
    expect(outcome).toBe('session terminated');
    expect(await databaseExists(db.name)).toBe(false);
    await db.drop();
  });
});

import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startEmbeddedServer } from './embedded-server.js';
import { asyncExitHookOf } from './exit-hooks.js';
import { locatePostgresBinaries } from './postgres-binaries.js';
import { POSTGRES_MAJORS, majorOfVersionNum } from './postgres-major.js';
import { withClient } from './with-client.js';

// One after the other, so the start-up times printed are not skewed by each other.
describe.each(POSTGRES_MAJORS)('PostgreSQL %i, embedded', (major) => {
  it('starts from its own alias, checks passwords, survives crash() and restart(), and stops', async () => {
    const startedAt = performance.now();
    const server = await startEmbeddedServer({ major });
    const startMs = Math.round(performance.now() - startedAt);
    console.info(`PostgreSQL ${major}: started in ${startMs} ms (server_version_num ${server.serverVersionNum})`);
    try {
      expect(server.major).toBe(major);
      expect(majorOfVersionNum(server.serverVersionNum)).toBe(major);
      const wrong = new URL(server.adminUrl);
      wrong.password = 'wrong-password';
      await expect(new pg.Client({ connectionString: wrong.toString() }).connect()).rejects.toMatchObject({ code: '28P01' });

      // Each alias loaded so far, this one included, left the exit code alone.
      for (const loaded of POSTGRES_MAJORS.filter((m) => m <= major)) {
        const events = asyncExitHookOf((await locatePostgresBinaries(loaded)).aliasEntry).hookedEvents();
        expect(events).not.toContain('beforeExit');
        expect(events).not.toContain('exit');
        expect(events).toContain('SIGINT');
      }

      await withClient(server.adminUrl, async (c) => {
        await c.query('CREATE TABLE kept (v text)');
        await c.query('INSERT INTO kept VALUES ($1)', [`pg${major}`]);
      });
      await server.crash();
      await server.restart();
      const rows = await withClient(server.adminUrl, async (c) => (await c.query('SELECT v FROM kept')).rows);
      expect(rows).toEqual([{ v: `pg${major}` }]);
    } finally {
      await server.stop();
    }
  });
});

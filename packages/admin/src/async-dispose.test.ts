import { describe, expect, it } from 'vitest';
import { DatabaseAdmin } from './database-admin.js';
import { uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

/** Sessions open on the server under this application_name. */
async function sessionsNamed(f: ReturnType<ReturnType<typeof useAdminFixture>>, applicationName: string): Promise<number> {
  const { rows } = await f.superuser.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
  return rows[0]!.n;
}

/** Waits until the server has ended the sessions (a backend exits just after its client says goodbye). */
async function untilNoSessions(f: ReturnType<ReturnType<typeof useAdminFixture>>, applicationName: string): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const open = await sessionsNamed(f, applicationName);
    if (open === 0) return 0;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return sessionsNamed(f, applicationName);
}

describe('DatabaseAdmin with await using', () => {
  const fixture = useAdminFixture();

  it('closes its connections when the block is left', async () => {
    const f = fixture();
    const applicationName = uniqueName('dispose');
    const url = new URL(f.adminUrl);
    url.searchParams.set('application_name', applicationName);
    let leaked: DatabaseAdmin | undefined;
    {
      await using admin = new DatabaseAdmin(url.toString());
      leaked = admin;
      await admin.listTenants();
      expect(await sessionsNamed(f, applicationName)).toBeGreaterThan(0);
    }
    expect(await untilNoSessions(f, applicationName)).toBe(0);
    await expect(leaked.listTenants()).rejects.toThrow();
  });

  it('closes when the block is left by a throw, and after an explicit close()', async () => {
    const f = fixture();
    const applicationName = uniqueName('dispose');
    const url = new URL(f.adminUrl);
    url.searchParams.set('application_name', applicationName);
    const thrown = await (async () => {
      await using admin = new DatabaseAdmin(url.toString());
      await admin.listTenants();
      throw new Error('left by a throw');
    })().catch((error: unknown) => error);
    expect((thrown as Error).message).toBe('left by a throw');
    expect(await untilNoSessions(f, applicationName)).toBe(0);

    // close() and then the block's dispose: one close, no "end called more than once".
    await (async () => {
      await using admin = new DatabaseAdmin(url.toString());
      await admin.listTenants();
      await admin.close();
    })();
  });
});

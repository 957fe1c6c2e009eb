import pg from 'pg';

/**
 * True when the server refuses a wrong password for the admin's user. A server
 * with `trust` authentication accepts any password, so tests that prove a
 * password is checked can only run where this is true (always, on the embedded
 * server).
 */
export async function serverChecksPasswords(adminUrl: string): Promise<boolean> {
  const url = new URL(adminUrl);
  url.password = `wrong-${Math.random().toString(36).slice(2)}`;
  const client = new pg.Client({ connectionString: url.toString() });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return false;
  } catch (error) {
    return (error as { code?: string }).code === '28P01';
  } finally {
    await client.end().catch(() => undefined);
  }
}

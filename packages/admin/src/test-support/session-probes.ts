import type pg from 'pg';
import { connectAs } from './tenant-fixture.js';

/** A client that may be ended by the server: its 'error' event must not end the test process. */
export async function openSession(connectionString: string): Promise<pg.Client> {
  const client = await connectAs(connectionString);
  client.on('error', () => undefined);
  return client;
}

/** Resolves once the server has ended the client's session (its next query fails), to the error it got. */
export async function sessionEnded(client: pg.Client): Promise<unknown> {
  const error = await client.query('SELECT 1').then(() => undefined, (caught: unknown) => caught);
  await client.end().catch(() => undefined);
  return error;
}

export async function refusedLogin(connectionString: string): Promise<string | undefined> {
  const error = await connectAs(connectionString).then(
    async (client) => {
      await client.end();
      return undefined;
    },
    (caught: unknown) => caught,
  );
  return (error as { code?: string } | undefined)?.code;
}

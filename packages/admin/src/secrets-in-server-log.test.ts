import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedServer, type EmbeddedServer } from '@tenantry/testing';
import { DatabaseAdmin } from './database-admin.js';
import { uniqueName } from './test-support/tenant-fixture.js';

// Its own server, so the log can be read whatever TEST_DATABASE_URL points at.
describe('with log_statement = all', () => {
  let server: EmbeddedServer;
  let admin: DatabaseAdmin;

  beforeAll(async () => {
    server = await startEmbeddedServer({
      postgresFlags: ['-c', 'log_statement=all', '-c', 'log_min_error_statement=info'],
      keepLogFile: true,
    });
    admin = new DatabaseAdmin(server.adminUrl);
  });

  afterAll(async () => {
    await admin?.close();
    await server?.stop();
  });

  it('the server log holds every statement of the lifecycle but no plaintext password', async () => {
    await admin.prepare();
    const given = `Given-${uniqueName('secret')}`;
    const withGiven = await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u'), password: given });
    const generated = await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u') });
    // A failing create logs its statement at ERROR too (log_min_error_statement).
    await expect(admin.createTenant({ schemaName: withGiven.schemaName, username: uniqueName('u'), password: given })).rejects.toThrow();
    const issued = await admin.issueCredentials(generated, { ttl: 60 });
    // A failing issue logs its statement at ERROR too.
    await admin.suspendTenant(generated);
    await expect(admin.issueCredentials(generated)).rejects.toThrow();
    await admin.resumeTenant(generated);
    await admin.revokeCredentials(generated, issued.username);
    await admin.removeTenant(withGiven);
    await admin.removeTenant(generated);

    const log = await readFile(server.logFile, 'utf8');
    expect(log).toContain(issued.username);
    expect(log).not.toContain(issued.password);
    expect(log).toContain('CREATE ROLE');
    expect(log).toContain('SCRAM-SHA-256$4096:');
    expect(log).toContain('DROP ROLE');
    expect(log).not.toContain(given);
    expect(log).not.toContain(generated.password);
  });
});

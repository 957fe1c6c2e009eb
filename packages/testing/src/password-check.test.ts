import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedServer, type EmbeddedServer } from './embedded-server.js';
import { serverChecksPasswords } from './password-check.js';

describe('serverChecksPasswords', () => {
  let server: EmbeddedServer;
  beforeAll(async () => {
    server = await startEmbeddedServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('is true for the embedded server (scram-sha-256)', async () => {
    expect(await serverChecksPasswords(server.adminUrl)).toBe(true);
  });

  it('is false where nothing answers, rather than claiming passwords are checked', async () => {
    expect(await serverChecksPasswords('postgresql://u:p@127.0.0.1:1/x')).toBe(false);
  });
});

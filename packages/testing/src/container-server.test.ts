import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dockerEngineAnswers } from './container-server.js';

describe('dockerEngineAnswers', () => {
  const saved = process.env['DOCKER_HOST'];
  afterEach(() => {
    if (saved === undefined) delete process.env['DOCKER_HOST'];
    else process.env['DOCKER_HOST'] = saved;
  });

  it('is false where no engine listens on the socket', async () => {
    process.env['DOCKER_HOST'] = 'unix:///nonexistent/docker.sock';
    expect(await dockerEngineAnswers()).toBe(false);
  });

  it('is true where something listens on the socket', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fake-docker-'));
    const socketPath = join(dir, 'docker.sock');
    const server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      process.env['DOCKER_HOST'] = `unix://${socketPath}`;
      expect(await dockerEngineAnswers()).toBe(true);
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

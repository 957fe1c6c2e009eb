import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedServer, type EmbeddedServer } from './embedded-server.js';
import { isAlive, listDescendants } from './process-tree.js';
import { withClient } from './with-client.js';

/** The postmaster and every process under it, right now. */
async function processTree(server: EmbeddedServer): Promise<number[]> {
  const postmaster = server.pid;
  expect(postmaster).toBeGreaterThan(0);
  return [postmaster!, ...(await listDescendants(postmaster!))];
}

async function survivors(pids: readonly number[]): Promise<number[]> {
  const alive = await Promise.all(pids.map((pid) => isAlive(pid)));
  return pids.filter((_, index) => alive[index]);
}

describe('EmbeddedServer crash() and restart()', () => {
  let server: EmbeddedServer;
  beforeAll(async () => {
    server = await startEmbeddedServer();
  });
  afterAll(() => server?.stop());

  it('crash() kills the postmaster and all its children at once; connections fail; the data directory stays', async () => {
    // Committed immediately before the crash: must survive it.
    await withClient(server.adminUrl, (c) => c.query('CREATE TABLE survivor (id int PRIMARY KEY); INSERT INTO survivor VALUES (1), (2)'));
    const open = new pg.Client({ connectionString: server.adminUrl });
    open.on('error', () => undefined);
    await open.connect();
    const tree = await processTree(server);
    // checkpointer, background writer, walwriter, ... and the open session's backend.
    expect(tree.length).toBeGreaterThanOrEqual(5);

    await server.crash();

    expect(server.pid).toBeUndefined();
    expect(await survivors(tree)).toEqual([]);
    await expect(open.query('SELECT 1')).rejects.toThrow();
    await open.end().catch(() => undefined);
    await expect(withClient(server.adminUrl, async () => undefined)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(existsSync(join(server.dataDir, 'PG_VERSION'))).toBe(true);
    // No clean shutdown happened: the lock file of the dead postmaster is still there.
    expect(existsSync(join(server.dataDir, 'postmaster.pid'))).toBe(true);
    await server.crash(); // a no-op while down
  });

  it('restart() runs crash recovery on the same data directory and port, and committed work survives', async () => {
    await server.restart();
    expect(server.pid).toBeGreaterThan(0);
    const rows = await withClient(server.adminUrl, async (c) => (await c.query('SELECT id FROM survivor ORDER BY id')).rows);
    expect(rows).toEqual([{ id: 1 }, { id: 2 }]);
    const log = await readFile(server.logFile, 'utf8');
    expect(log).toContain('database system was not properly shut down; automatic recovery in progress');
  });

  it('restart() of a running server is a fast shutdown and a start, without recovery', async () => {
    const before = server.pid;
    await withClient(server.adminUrl, (c) => c.query('INSERT INTO survivor VALUES (3)'));
    const recoveries = (await readFile(server.logFile, 'utf8')).split('automatic recovery in progress').length;
    await server.restart();
    expect(server.pid).not.toBe(before);
    const rows = await withClient(server.adminUrl, async (c) => (await c.query('SELECT count(*)::int AS n FROM survivor')).rows);
    expect(rows).toEqual([{ n: 3 }]);
    expect((await readFile(server.logFile, 'utf8')).split('automatic recovery in progress').length).toBe(recoveries);
  });

  it('stop() after a crash/restart cycle leaves no process and no files behind', async () => {
    await server.crash();
    await server.restart();
    const tree = await processTree(server);
    await server.stop();
    expect(await survivors(tree)).toEqual([]);
    expect(existsSync(server.dataDir)).toBe(false);
    expect(existsSync(server.logFile)).toBe(false);
    await expect(server.crash()).rejects.toThrow(/stopped/);
    await expect(server.restart()).rejects.toThrow(/stopped/);
  });
});

describe('EmbeddedServer stop() right after crash()', () => {
  it('removes the data directory of the crashed cluster', async () => {
    const server = await startEmbeddedServer();
    const tree = await processTree(server);
    await server.crash();
    await server.stop();
    expect(await survivors(tree)).toEqual([]);
    expect(existsSync(server.dataDir)).toBe(false);
  });
});

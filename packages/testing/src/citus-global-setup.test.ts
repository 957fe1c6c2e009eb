import { afterEach, describe, expect, it, vi } from 'vitest';
import { findCitusBinaries } from './citus-binaries.js';
import setup, { acquireCitusLane, citusLaneRequired } from './citus-global-setup.js';
import type { GlobalSetupProject } from './global-setup.js';
import { withClient } from './with-client.js';

type Provided = Record<string, unknown>;

function fakeProject(): { project: GlobalSetupProject; provided: Provided } {
  const provided: Provided = {};
  const project = { name: 'citus', provide: (key: string, value: unknown) => void (provided[key] = value) } as unknown as GlobalSetupProject;
  return { project, provided };
}

const ping = (url: string) => withClient(url, async (client) => (await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]);
const installed = 'found' in (await findCitusBinaries());

describe('citus-global-setup', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it.runIf(installed || citusLaneRequired())('provides the coordinator and worker URLs, and its teardown stops the cluster', async () => {
    const { project, provided } = fakeProject();
    const teardown = await setup(project);
    expect(provided).toEqual({
      tenantryCitusUrl: expect.stringMatching(/^postgresql:\/\/postgres:/),
      tenantryCitusWorkerUrls: expect.any(String),
      tenantryCitusUnavailable: '',
    });
    const workerUrls = JSON.parse(provided['tenantryCitusWorkerUrls'] as string) as string[];
    expect(workerUrls).toHaveLength(2);
    const urls = [provided['tenantryCitusUrl'] as string, ...workerUrls];
    for (const url of urls) expect(await ping(url)).toEqual({ one: 1 });
    await teardown();
    for (const url of urls) await expect(ping(url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('says on stderr that the lane did not run, and provides why', async () => {
    vi.stubEnv('TENANTRY_CITUS_PG_BIN', '/nonexistent/bin');
    vi.stubEnv('TENANTRY_CITUS_REQUIRED', '0');
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => written.push(String(chunk)) > 0);
    const { project, provided } = fakeProject();
    await (await setup(project))();
    expect(provided).toEqual({
      tenantryCitusUrl: '',
      tenantryCitusWorkerUrls: '[]',
      tenantryCitusUnavailable: 'TENANTRY_CITUS_PG_BIN=/nonexistent/bin: no executable pg_config in /nonexistent/bin',
    });
    expect(written.join('')).toContain('!!! The Citus lane DID NOT RUN on this machine.');
  });

  it('fails the run instead where the lane is required (TENANTRY_CITUS_REQUIRED=1, or CI=true)', async () => {
    vi.stubEnv('TENANTRY_CITUS_PG_BIN', '/nonexistent/bin');
    vi.stubEnv('TENANTRY_CITUS_REQUIRED', '1');
    await expect(setup(fakeProject().project)).rejects.toThrow(/DID NOT RUN[\s\S]*TENANTRY_CITUS_REQUIRED=1/);
    expect(citusLaneRequired({ CI: 'true' })).toBe(true);
    expect(citusLaneRequired({ CI: 'true', TENANTRY_CITUS_REQUIRED: '0' })).toBe(false);
    expect(citusLaneRequired({})).toBe(false);
  });

  it('shares one lane between projects', async () => {
    vi.stubEnv('TENANTRY_CITUS_PG_BIN', '/nonexistent/bin');
    const [first, second] = await Promise.all([acquireCitusLane(), acquireCitusLane()]);
    expect(second.lane).toBe(first.lane);
    await first.release();
    await second.release();
    const third = await acquireCitusLane();
    expect(third.lane).not.toBe(first.lane);
    await third.release();
  });
});

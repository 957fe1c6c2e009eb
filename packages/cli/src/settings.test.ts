import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from './settings.js';
import { json, tenantry, uniqueName, useCliDatabase } from './test-support/cli.js';

/** Dead servers, one port per source, so the error tells which source won; every password must stay unprinted. */
const url = (port: number) => `postgresql://admin:Secret-${port}-PW@127.0.0.1:${port}/app`;

describe('settings precedence: option > environment > env file > config file > default', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tenantry-settings-'));
    await mkdir(join(dir, 'conf'));
    await writeFile(
      join(dir, 'tenantry.config.json'),
      JSON.stringify({
        databaseUrl: url(3),
        concurrency: 2,
        migrations: 'db/migrations',
        labels: { team: 'core', tier: 'base' },
        environments: { staging: { databaseUrl: url(6), concurrency: 6, labels: { tier: 'staging' } }, empty: {} },
      }),
    );
    await writeFile(join(dir, 'conf', 'other.json'), JSON.stringify({ migrations: './m' }));
    await writeFile(join(dir, 'staging.env'), `# a comment\nDATABASE_URL="${url(2)}"\nTENANTRY_CONCURRENCY=7\nTENANTRY_LABELS=tier=envfile\nTENANTRY_ENV=staging\nHOME=/nowhere\n`);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('the config file alone: its top level, paths against its folder; an environment section over it', async () => {
    expect(await loadSettings({}, {}, dir)).toEqual({
      env: { DATABASE_URL: url(3) },
      defaults: { concurrency: 2, migrations: join(dir, 'db/migrations'), labels: { team: 'core', tier: 'base' } },
    });
    const staging = await loadSettings({ env: 'staging' }, {}, dir);
    expect(staging.env['DATABASE_URL']).toBe(url(6));
    expect(staging.defaults).toEqual({ concurrency: 6, migrations: join(dir, 'db/migrations'), labels: { team: 'core', tier: 'staging' } });
    expect((await loadSettings({ config: 'conf/other.json' }, {}, dir)).defaults.migrations).toBe(join(dir, 'conf', 'm'));
  });

  it('the env file over the config file (and its TENANTRY_ENV picks the section); only DATABASE_URL, PG* and TENANTRY_* are taken', async () => {
    const settings = await loadSettings({ envFile: 'staging.env' }, {}, dir);
    expect(settings.env).toEqual({ DATABASE_URL: url(2), TENANTRY_CONCURRENCY: '7', TENANTRY_LABELS: 'tier=envfile', TENANTRY_ENV: 'staging' });
    expect(settings.defaults).toEqual({ concurrency: 7, migrations: join(dir, 'db/migrations'), labels: { team: 'core', tier: 'envfile' } });
  });

  it('the environment over the env file; --env over TENANTRY_ENV', async () => {
    const settings = await loadSettings(
      { envFile: 'staging.env', env: 'empty' },
      { DATABASE_URL: url(5), TENANTRY_CONCURRENCY: '9', TENANTRY_MIGRATIONS: 'elsewhere', TENANTRY_ENV: 'staging' },
      dir,
    );
    expect(settings.env['DATABASE_URL']).toBe(url(5));
    expect(settings.defaults).toEqual({ concurrency: 9, migrations: join(dir, 'elsewhere'), labels: { team: 'core', tier: 'envfile' } });
  });

  it("a PG* connection variable in the environment keeps the config file's URL out", async () => {
    const settings = await loadSettings({}, { PGHOST: 'db.internal' }, dir);
    expect(settings.env['DATABASE_URL']).toBeUndefined();
    expect(settings.env['PGHOST']).toBe('db.internal');
  });

  it('a missing --env-file is named, without reading anything else', async () => {
    // Through main this is Node's own check on Node 20 and 22 (it reads --env-file even after the script: exit 9, "node: <file>: not found").
    await expect(loadSettings({ envFile: 'missing.env' }, {}, dir)).rejects.toThrow(/--env-file: cannot read .*missing\.env \(no such file\)/);
  });

  it('without any file, nothing is added: the built-in defaults stay', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'tenantry-settings-empty-'));
    try {
      expect(await loadSettings({}, { PATH: '/bin' }, empty)).toEqual({ env: { PATH: '/bin' }, defaults: { concurrency: undefined, migrations: undefined, labels: undefined } });
      await expect(loadSettings({ env: 'prod' }, {}, empty)).rejects.toThrow(/environment 'prod' chosen \(--env\), but there is no config file/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('the command line: the option over the environment, the env file and the config file; the env file and config after the command too', async () => {
    const env = { PGCONNECT_TIMEOUT: '2' };
    const cases: [string[], Record<string, string>, number, string][] = [
      [['list'], {}, 3, 'config file'],
      [['--env', 'staging', 'list'], {}, 6, 'config environment'],
      [['list', '--env-file', 'staging.env'], {}, 2, 'env file'],
      [['--env-file', 'staging.env', 'list'], { DATABASE_URL: url(5) }, 5, 'environment'],
      [['--env-file', 'staging.env', '--database-url', url(4), 'list'], { DATABASE_URL: url(5) }, 4, 'option'],
    ];
    const results = await Promise.all(cases.map(([args, extra]) => tenantry(args, { cwd: dir, env: { ...env, ...extra } })));
    for (const [i, [args, , port, source]] of cases.entries()) {
      const result = results[i]!;
      expect(result.code, `${source}: ${args.join(' ')}\n${result.stderr}`).toBe(1);
      expect(result.stderr, source).toContain(`127.0.0.1:${port}/app`);
      expect(result.stderr).not.toMatch(/Secret-\d-PW/);
    }
  });

  it('the migrations folder reaches migrate: --migrations over TENANTRY_MIGRATIONS over the config file', async () => {
    const env = { DATABASE_URL: url(1) };
    const cases: [string[], Record<string, string>, string][] = [
      [['migrate'], {}, join(dir, 'db/migrations')],
      [['migrate'], { TENANTRY_MIGRATIONS: 'from-env' }, join(dir, 'from-env')],
      [['migrate', '--migrations', 'from-flag'], { TENANTRY_MIGRATIONS: 'from-env' }, 'from-flag'],
    ];
    const results = await Promise.all(cases.map(([args, extra]) => tenantry(args, { cwd: dir, env: { ...env, ...extra } })));
    for (const [i, [args, extra, folder]] of cases.entries()) {
      const result = results[i]!;
      expect(result.code, `${args.join(' ')} ${JSON.stringify(extra)}`).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`${folder.replace(/[/.]/g, '\\$&')}[^\n]* is not a directory`));
    }
    const badConcurrency = await tenantry(['migrate'], { cwd: dir, env: { ...env, TENANTRY_CONCURRENCY: '0' } });
    expect(badConcurrency.code).toBe(2);
    expect(badConcurrency.stderr).toContain("TENANTRY_CONCURRENCY must be a whole number from 1 to 64, got '0'");
  });

  it('errors name the file, the key or the line, never a value from it', async () => {
    await writeFile(join(dir, 'broken.json'), `{\n  "databaseUrl": "${url(3)}",\n}\n`);
    await writeFile(join(dir, 'wrong.json'), JSON.stringify({ databaseUrl: url(3), concurrency: 'eight', password: 'Secret-9-PW' }));
    await writeFile(join(dir, 'bad-section.json'), JSON.stringify({ environments: { prod: { databaseUrl: url(3), concurency: 2 } } }));
    const cases: [string[], RegExp][] = [
      [['--config', 'broken.json', 'list'], /broken\.json is not valid JSON \(line 3, column 1\)/],
      [['--config', 'wrong.json', 'list'], /wrong\.json: concurrency must be a whole number from 1 to 64/],
      [['--config', 'bad-section.json', '--env', 'prod', 'list'], /bad-section\.json: environments\.prod\.concurency: unknown key/],
      [['--config', 'bad-section.json', '--env', 'test', 'list'], /has no environment 'test' \(chosen by --env\)[\s\S]*Its environments: prod/],
      [['--config', 'missing.json', 'list'], /--config: cannot read .*missing\.json \(no such file\)/],
    ];
    const results = await Promise.all(cases.map(([args]) => tenantry(args, { cwd: dir })));
    for (const [i, [args, message]] of cases.entries()) {
      const result = results[i]!;
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr + result.stdout).not.toMatch(/Secret-\d-PW/);
    }
  });
});

describe('settings reach the commands', () => {
  const db = useCliDatabase();

  it('--env-file gives the admin URL, and the config file labels every new tenant under the --label ones', async () => {
    const { database } = db();
    const dir = await mkdtemp(join(tmpdir(), 'tenantry-settings-db-'));
    try {
      await writeFile(join(dir, 'admin.env'), `DATABASE_URL=${database.url}\n`);
      await writeFile(join(dir, 'tenantry.config.json'), JSON.stringify({ databaseUrl: url(3), labels: { team: 'core', plan: 'free' } }));
      const schema = uniqueName('cfg');
      const created = await tenantry(['--env-file', 'admin.env', '--json', 'create', '--schema', schema, '--username', `${schema}_user`, '--label', 'plan=gold'], { cwd: dir });
      expect(created.code, created.stderr).toBe(0);
      const shown = json<{ labels: Record<string, string> }>(await tenantry(['show', schema, '--json', '--env-file', 'admin.env'], { cwd: dir }));
      expect(shown.labels).toEqual({ team: 'core', plan: 'gold' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

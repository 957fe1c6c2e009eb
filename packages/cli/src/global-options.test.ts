import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { splitCommandLine } from './global-options.js';
import { json, tenantry } from './test-support/cli.js';

/** A URL nothing listens on, with a password that must never be printed. */
const DEAD_URL = 'postgresql://admin:Sup3r-Secret-PW@127.0.0.1:1/app';

describe('splitCommandLine', () => {
  it('moves --json and --database-url from before the command to its arguments, and takes the settings options anywhere before --', () => {
    expect(splitCommandLine(['--json', '--database-url', 'postgresql://h/d', '--env-file=.env', 'list', '--limit', '5', '--env', 'prod', '--', '--config', 'x'])).toEqual({
      command: 'list',
      rest: ['--json', '--database-url=postgresql://h/d', '--limit', '5', '--', '--config', 'x'],
      settings: { envFile: '.env', config: undefined, env: 'prod' },
      help: false,
      version: false,
    });
  });

  it('refuses a settings option given twice, or without its value', () => {
    expect(() => splitCommandLine(['--env', 'a', 'list', '--env', 'b'])).toThrow(/--env was given more than once/);
    expect(() => splitCommandLine(['list', '--config'])).toThrow(/--config needs a value/);
    expect(() => splitCommandLine(['--env-file', '--json', 'list'])).toThrow(/--env-file needs a value/);
  });
});

describe.concurrent('options before the command', () => {
  it('-v, -V and --version print the version from package.json and exit 0', async () => {
    const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['-v', '-V', '--version']) {
      const result = await tenantry([flag]);
      expect(result.code, flag).toBe(0);
      expect(result.stdout).toBe(`${version}\n`);
    }
  });

  it('--help before the command: the main help, or the command\'s after a global option', async () => {
    const main = await tenantry(['--help']);
    expect(main.code).toBe(0);
    expect(main.stdout).toContain('Global options');
    expect(main.stdout).toContain('--env-file <file>');
    expect(main.stdout).toMatch(/command-line\s+option;\s+the\s+environment\s+variable;\s+the\s+--env-file\s+file;\s+the\s+config\s+file/);
    const command = await tenantry(['--json', '--help', 'list']);
    expect(command.code).toBe(0);
    expect(command.stdout).toContain('Usage: tenantry list');
    expect(command.stdout).toMatch(/Settings:.*--env-file, --config, --env/);
  });

  it('tenantry --json list is tenantry list --json: one JSON document, also for a failure', async () => {
    const result = await tenantry(['--json', 'list'], { env: { DATABASE_URL: DEAD_URL } });
    expect(result.code).toBe(1);
    expect(json(result)).toMatchObject({ error: { code: 'CONNECTION' } });
    expect(result.stderr + result.stdout).not.toContain('Sup3r-Secret-PW');
  });

  it('tenantry --database-url X list connects to X, before DATABASE_URL', async () => {
    const result = await tenantry(['--database-url', DEAD_URL, 'list'], { env: { DATABASE_URL: 'postgresql://other@127.0.0.1:2/x' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('postgresql://admin:***@127.0.0.1:1/app (from --database-url)');
    expect(result.stderr).not.toContain('Sup3r-Secret-PW');
  });

  it('a command option before the command, or a misspelt global one, is a usage error with a hint', async () => {
    const misspelt = await tenantry(['--jsn', 'list'], { env: { DATABASE_URL: DEAD_URL } });
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toMatch(/unknown option '--jsn' before the command[\s\S]*Did you mean --json\?/);
    const misplaced = await tenantry(['--limit', '5', 'list'], { env: { DATABASE_URL: DEAD_URL } });
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('Options of a command go after it');
  });
});

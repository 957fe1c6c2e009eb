import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../main.js';
import { tenantry } from '../test-support/cli.js';

/** Whether `shell` is installed here: bash always is; zsh and fish where the machine has them. */
function installed(shell: string): boolean {
  return spawnSync(shell, ['-c', 'exit 0']).status === 0;
}

/** Runs `script` with `shell`; its stdout, after asserting it succeeded. */
function run(shell: string, args: string[]): string {
  const result = spawnSync(shell, args, { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', HOME: tmpdir() } });
  expect(result.status, `${shell} ${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

describe('completion', () => {
  let dir: string;
  const scripts: Record<string, string> = {};
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tenantry-completion-'));
    for (const shell of ['bash', 'zsh', 'fish']) {
      const result = await tenantry(['completion', shell]);
      expect(result.code, result.stderr).toBe(0);
      scripts[shell] = join(dir, `tenantry.${shell}`);
      await writeFile(scripts[shell]!, result.stdout);
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('an unknown shell is a usage error', async () => {
    const result = await tenantry(['completion', 'tcsh']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown shell 'tcsh': expected bash, zsh or fish");
  });

  it('bash: the script parses (bash -n), and its function completes commands, options and positional values', () => {
    run('bash', ['-n', scripts['bash']!]);
    const complete = (...words: string[]) =>
      run('bash', ['-c', `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _tenantry; printf '%s\\n' "\${COMPREPLY[@]}"`, 'complete', scripts['bash']!, ...words])
        .split('\n')
        .filter(Boolean);
    expect(complete('tenantry', '')).toEqual(expect.arrayContaining(commands.map((command) => command.name)));
    expect(complete('tenantry', 'cr')).toEqual(['create']);
    expect(complete('tenantry', '--js')).toEqual(['--json']);
    // After global options and their values, the command is still found.
    expect(complete('tenantry', '--env-file', 'x.env', '--json', 'mi')).toEqual(['migrate']);
    expect(complete('tenantry', 'create', '--sch')).toEqual(['--schema']);
    expect(complete('tenantry', 'migrate', '--con')).toEqual(expect.arrayContaining(['--concurrency', '--config']));
    expect(complete('tenantry', 'plan', 'ro')).toEqual(['rotate-password']);
    expect(complete('tenantry', 'completion', 'f')).toEqual(['fish']);
    // Every option of every command is offered after it.
    for (const command of commands) {
      const offered = complete('tenantry', command.name, '--');
      for (const option of Object.keys(command.options)) expect(offered, `${command.name} --${option}`).toContain(`--${option}`);
    }
  });

  // zsh and fish are checked where they are installed; CI machines without them run the bash checks only.
  it.runIf(installed('zsh'))('zsh: the script parses (zsh -n) and registers _tenantry with compinit, with a function per command', () => {
    run('zsh', ['-n', scripts['zsh']!]);
    const out = run('zsh', ['-f', '-c', `autoload -Uz compinit && compinit -D -u; source "$1"; print -r -- $_comps[tenantry]; print -rl -- \${(ok)functions[(I)_tenantry_*]}`, 'zsh', scripts['zsh']!]);
    const [registered, ...functions] = out.split('\n').filter(Boolean);
    expect(registered).toBe('_tenantry');
    expect(functions.sort()).toEqual(commands.map((command) => `_tenantry_${command.name.replace(/-/g, '_')}`).sort());
  });

  it.runIf(installed('fish'))('fish: the script parses (fish -n), and complete -C offers commands and options', () => {
    run('fish', ['-n', scripts['fish']!]);
    const complete = (line: string) =>
      run('fish', ['-c', `source $argv[1]; complete -C $argv[2]`, scripts['fish']!, line])
        .split('\n')
        .filter(Boolean)
        .map((entry) => entry.split('\t')[0]);
    expect(complete('tenantry cr')).toEqual(['create']);
    expect(complete('tenantry create --sch')).toEqual(['--schema']);
    expect(complete('tenantry --js')).toEqual(['--json']);
    expect(complete('tenantry plan ')).toEqual(expect.arrayContaining(['create', 'remove', 'init', 'rotate-password']));
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

/**
 * Completes a line in an interactive zsh, in a pseudo-terminal, with the
 * script loaded: each candidate offered is written to the output file as
 * CAND:<word>, then END. Arguments: script, output file, line.
 */
const ZSH_CAPTURE = `zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PROMPT=''; autoload -Uz compinit; compinit -D -u; source \${(q)1}"
zpty -w z 'compadd() { local -a m; builtin compadd -O m "$@"; print -rl -- "" \${(@)m/#/CAND:} >&2; builtin compadd "$@" }'
zpty -w z "exec 2>\${(q)2}"
zpty -w z "$3"$'\\t'
zpty -w z $'\\C-uprint -u2 END\\n'
# Waits for the END line (at most 10 s), then ends the shell.
for i in {1..100}; do grep -q '^END$' $2 2>/dev/null && break; sleep 0.1; done
zpty -d z
`;

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
    expect(complete('tenantry', 'cr')).toEqual(['create', 'credentials']);
    expect(complete('tenantry', '--js')).toEqual(['--json']);
    // After global options and their values, the command is still found.
    expect(complete('tenantry', '--env-file', 'x.env', '--json', 'mi')).toEqual(['migrate']);
    expect(complete('tenantry', 'create', '--sch')).toEqual(['--schema']);
    expect(complete('tenantry', 'migrate', '--con')).toEqual(expect.arrayContaining(['--concurrency', '--config']));
    expect(complete('tenantry', 'plan', 'ro')).toEqual(['rotate-password']);
    expect(complete('tenantry', 'completion', 'f')).toEqual(['fish']);
    expect(complete('tenantry', 'credentials', 'sw')).toEqual(['sweep']);
    // Every option of every command is offered after it.
    for (const command of commands) {
      const offered = complete('tenantry', command.name, '--');
      for (const option of Object.keys(command.options)) expect(offered, `${command.name} --${option}`).toContain(`--${option}`);
    }
  });

  // zsh and fish are checked where they are installed; CI machines without them run the bash checks only.
  it.runIf(installed('zsh'))('zsh: the script parses (zsh -n), registers _tenantry with compinit, and completes commands and options in a real line editor', async () => {
    run('zsh', ['-n', scripts['zsh']!]);
    const out = run('zsh', ['-f', '-c', `autoload -Uz compinit && compinit -D -u; source "$1"; print -r -- $_comps[tenantry]; print -rl -- \${(ok)functions[(I)_tenantry_*]}`, 'zsh', scripts['zsh']!]);
    const [registered, ...functions] = out.split('\n').filter(Boolean);
    expect(registered).toBe('_tenantry');
    expect(functions.sort()).toEqual(commands.map((command) => `_tenantry_${command.name.replace(/-/g, '_')}`).sort());
    const driver = join(dir, 'capture.zsh');
    await writeFile(driver, ZSH_CAPTURE);
    const complete = async (line: string) => {
      const file = join(dir, `zsh-${line.replace(/\W+/g, '_')}.out`);
      run('zsh', ['-f', driver, scripts['zsh']!, file, line]);
      const text = await readFile(file, 'utf8');
      expect(text, `${line}: the capture finished`).toMatch(/^END$/m);
      return [...new Set(text.split('\n').filter((entry) => entry.startsWith('CAND:')).map((entry) => entry.slice(5)))].sort();
    };
    expect(await complete('tenantry crea')).toEqual(['create']);
    expect(await complete('tenantry create --sch')).toEqual(['--schema']);
    expect(await complete('tenantry --json li')).toEqual(['list']);
    expect(await complete('tenantry plan r')).toEqual(['remove', 'rotate-password']);
  });

  it.runIf(installed('fish'))('fish: the script parses (fish -n), and complete -C offers commands and options', () => {
    run('fish', ['-n', scripts['fish']!]);
    const complete = (line: string) =>
      run('fish', ['-c', `source $argv[1]; complete -C $argv[2]`, scripts['fish']!, line])
        .split('\n')
        .filter(Boolean)
        .map((entry) => entry.split('\t')[0]);
    expect(complete('tenantry cr')).toEqual(['create', 'credentials']);
    expect(complete('tenantry create --sch')).toEqual(['--schema']);
    expect(complete('tenantry --js')).toEqual(['--json']);
    expect(complete('tenantry plan ')).toEqual(expect.arrayContaining(['create', 'remove', 'init', 'rotate-password']));
  });
});

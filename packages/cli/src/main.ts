import { readFileSync } from 'node:fs';
import { redactConnectionString, TenantryError } from '@tenantry/core';
import { parseCommandArgs, closest } from './args.js';
import { connectionTargets, createContext, type CommandDefinition } from './command.js';
import { completion } from './commands/completion.js';
import { create } from './commands/create.js';
import { credentials } from './commands/credentials.js';
import { demo } from './commands/demo.js';
import { init } from './commands/init.js';
import { list } from './commands/list.js';
import { migrate } from './commands/migrate.js';
import { plan } from './commands/plan.js';
import { remove } from './commands/remove.js';
import { rename } from './commands/rename.js';
import { doctor } from './commands/doctor.js';
import { rotatePassword } from './commands/rotate-password.js';
import { show } from './commands/show.js';
import { resume, suspend } from './commands/suspend.js';
import { verify } from './commands/verify.js';
import { budget } from './commands/budget.js';
import { move } from './commands/move.js';
import { ExitCode } from './exit-codes.js';
import { commandHelp, mainHelp } from './help.js';
import type { CliIo } from './io.js';
import { Output } from './output.js';
import { UsageError } from './usage-error.js';
import { splitCommandLine, type SplitCommandLine } from './global-options.js';
import { loadSettings } from './settings.js';

/** Every command, in the order `tenantry --help` lists them. */
export const commands: readonly CommandDefinition[] = [init, create, list, show, verify, budget, rotatePassword, credentials, suspend, resume, rename, migrate, move, remove, doctor, plan, demo, completion];

/**
 * Runs `tenantry <argv>` and returns its exit code: 0 ok, 1 failure, 2 usage
 * (130 interrupted). Never exits the process and never throws: `bin` is the
 * only place that exits.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const output = new Output(io);
  let line: SplitCommandLine;
  try {
    line = splitCommandLine(argv);
  } catch (error) {
    if (error instanceof UsageError) return usageFailure(output, error, argv);
    throw error;
  }
  const { command: name, rest } = line;
  if (line.version) {
    await output.out(`${version()}\n`);
    return ExitCode.ok;
  }
  if (name === undefined || line.help || name === 'help') {
    const topic = name === 'help' ? rest[0] : line.help ? name : undefined;
    const command = topic === undefined ? undefined : commands.find((candidate) => candidate.name === topic);
    if (topic !== undefined && command === undefined) return usageFailure(output, new UsageError(`unknown command '${topic}'.`), argv);
    await output.out(command ? commandHelp(command, output.style) : mainHelp(commands, output.style));
    // No command at all is a usage error, after the help it needs.
    return name === undefined && !line.help ? ExitCode.usage : ExitCode.ok;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (command === undefined) {
    const suggestion = closest(name, commands.map((candidate) => candidate.name));
    return usageFailure(output, new UsageError(`unknown command '${name}'.`, { hint: suggestion ? `Did you mean '${suggestion}'?` : undefined }), argv);
  }
  const terminator = rest.indexOf('--');
  if ((terminator === -1 ? rest : rest.slice(0, terminator)).some((arg) => arg === '--help' || arg === '-h')) {
    // Help wins over every other mistake on the line: `tenantry create --schema --help` helps.
    await output.out(commandHelp(command, output.style));
    return ExitCode.ok;
  }
  try {
    const args = parseCommandArgs(command.name, command.options, rest, command.positionals);
    if (args.values['help'] === true) {
      await output.out(commandHelp(command, output.style));
      return ExitCode.ok;
    }
    const settings = await loadSettings(line.settings, io.env, io.cwd ?? process.cwd(), command.name);
    const context = createContext({ ...io, env: settings.env }, output, command.name, settings.defaults);
    return await command.run(args, context);
  } catch (error) {
    if (error instanceof UsageError) return usageFailure(output, error, argv, command.name);
    return failure(output, error, argv);
  }
}

async function usageFailure(output: Output, error: UsageError, argv: readonly string[], command?: string): Promise<number> {
  const name = error.command ?? command;
  const style = output.errStyle;
  output.err(`${style.red('error:')} ${error.message}`);
  if (error.hint) output.err(error.hint);
  output.err(style.dim(name ? `Run 'tenantry ${name} --help' for usage.` : "Run 'tenantry --help' for usage."));
  await jsonError(output, argv, { code: 'USAGE', message: error.message });
  return ExitCode.usage;
}

async function failure(output: Output, error: unknown, argv: readonly string[]): Promise<number> {
  const style = output.errStyle;
  if (TenantryError.isInstance(error)) {
    output.err(`${style.red('error:')} ${error.message}`);
    const target = connectionTargets.get(error);
    if (target) output.err(style.dim(`(${target})`));
    await jsonError(output, argv, { code: error.code, message: error.message, ...(error.sqlState ? { sqlState: error.sqlState } : {}) });
    return ExitCode.failure;
  }
  const message = redactUrls(error instanceof Error ? error.message : String(error));
  output.err(`${style.red('error:')} ${message}`);
  if (output.io.env['TENANTRY_DEBUG'] && error instanceof Error && error.stack) output.err(redactUrls(error.stack));
  await jsonError(output, argv, { code: 'UNEXPECTED', message });
  return ExitCode.failure;
}

/** With --json, a failure is the one document too, unless one was already written. */
async function jsonError(output: Output, argv: readonly string[], error: { code: string; message: string; sqlState?: string }): Promise<void> {
  const terminator = argv.indexOf('--');
  const flags = terminator === -1 ? argv : argv.slice(0, terminator);
  if (!flags.includes('--json') || output.jsonWritten) return;
  await output.json({ error }).catch(() => undefined);
}

function redactUrls(text: string): string {
  return text.replace(/postgres(?:ql)?:\/\/\S+/gi, (url) => redactConnectionString(url));
}

let cachedVersion: string | undefined;

/** This package's version, from its package.json. */
export function version(): string {
  cachedVersion ??= (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cachedVersion;
}

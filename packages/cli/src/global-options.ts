import { closest, type OptionDefs } from './args.js';
import { UsageError } from './usage-error.js';

/**
 * Options that choose where settings come from. Every command takes them,
 * before or after its name; `main` reads them, the commands never see them.
 */
export const settingsOptions: OptionDefs = {
  'env-file': {
    type: 'string',
    value: '<file>',
    description: 'Read DATABASE_URL, the PG* variables and the TENANTRY_* variables from a dotenv file. Variables already in the environment win.',
  },
  config: {
    type: 'string',
    value: '<file>',
    description: 'The config file (admin URL, concurrency, migrations folder, labels; per-environment sections). Default: tenantry.config.json in the working directory, if there is one.',
  },
  env: {
    type: 'string',
    value: '<name>',
    description: "The config file's environment section to use. Default: TENANTRY_ENV.",
  },
};

/** Command options that may also stand before the command: `tenantry --json list` is `tenantry list --json`. */
const HOISTED = ['json', 'database-url'] as const;

/** What may stand before the command, for `tenantry --help` and completion. */
export const globalOptions: OptionDefs = {
  json: { type: 'boolean', description: 'Print exactly one JSON document on stdout (as the same option after the command).' },
  'database-url': { type: 'string', value: '<url>', description: 'Admin connection (as the same option after the command).' },
  ...settingsOptions,
  help: { type: 'boolean', short: 'h', description: 'Show the help.' },
  version: { type: 'boolean', short: 'v', description: 'Print the version and exit.' },
};

export interface SettingsChoice {
  readonly envFile?: string | undefined;
  readonly config?: string | undefined;
  readonly env?: string | undefined;
}

export interface SplitCommandLine {
  /** The command's name, or undefined when there is none. */
  readonly command: string | undefined;
  /** The command's own arguments, with `--json` and `--database-url` from before the command first. */
  readonly rest: string[];
  readonly settings: SettingsChoice;
  /** `--help`/`-h` before the command. */
  readonly help: boolean;
  /** `--version`/`-v`/`-V` before the command. */
  readonly version: boolean;
}

/**
 * Splits `tenantry [global options] <command> [arguments]`: the options
 * before the command, and `--env-file`, `--config` and `--env` wherever they
 * stand before a `--`.
 *
 * @throws UsageError for an option before the command that is not global, or a missing value.
 */
export function splitCommandLine(argv: readonly string[]): SplitCommandLine {
  const settings: Record<string, string> = {};
  const hoisted: string[] = [];
  let help = false;
  let version = false;
  let i = 0;
  const take = (name: string, inline: string | undefined, where: string | undefined): string => {
    if (inline !== undefined) return inline;
    const value = argv[i + 1];
    if (value === undefined || (value.startsWith('-') && value !== '-')) throw new UsageError(`--${name} needs a value.`, { command: where });
    i++;
    return value;
  };
  const setting = (name: string, value: string, where: string | undefined) => {
    if (Object.hasOwn(settings, name)) throw new UsageError(`--${name} was given more than once.`, { command: where });
    if (value === '') throw new UsageError(`--${name} must not be empty.`, { command: where });
    settings[name] = value;
  };
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') break;
    if (arg === '--') {
      i++;
      break;
    }
    const [flag, inline] = splitInline(arg);
    const name = flag.replace(/^--?/, '');
    if (flag === '--help' || flag === '-h') help = true;
    else if (flag === '--version' || flag === '-v' || flag === '-V') version = true;
    else if (Object.hasOwn(settingsOptions, name) && flag.startsWith('--')) setting(name, take(name, inline, undefined), undefined);
    else if ((HOISTED as readonly string[]).includes(name) && flag.startsWith('--')) {
      hoisted.push(globalOptions[name]!.type === 'boolean' ? flag : `${flag}=${take(name, inline, undefined)}`);
      if (globalOptions[name]!.type === 'boolean' && inline !== undefined) throw new UsageError(`${flag} takes no value.`);
    } else {
      const suggestion = closest(name, Object.keys(globalOptions));
      throw new UsageError(`unknown option '${flag}' before the command: only ${Object.keys(globalOptions).map((option) => `--${option}`).join(', ')} go there.`, {
        hint: suggestion ? `Did you mean --${suggestion}?` : 'Options of a command go after it: tenantry <command> [options].',
      });
    }
  }
  const command = argv[i];
  const rest: string[] = [...hoisted];
  let j = command === undefined ? argv.length : i + 1;
  for (; j < argv.length; j++) {
    const arg = argv[j]!;
    if (arg === '--') break;
    const [flag, inline] = splitInline(arg);
    const name = flag.slice(2);
    if (flag.startsWith('--') && Object.hasOwn(settingsOptions, name)) {
      i = j;
      setting(name, take(name, inline, command), command);
      j = i;
      continue;
    }
    rest.push(arg);
  }
  rest.push(...argv.slice(j));
  return {
    command,
    rest,
    settings: { envFile: settings['env-file'], config: settings['config'], env: settings['env'] },
    help,
    version,
  };
}

function splitInline(arg: string): [string, string | undefined] {
  const equals = arg.indexOf('=');
  return equals === -1 || !arg.startsWith('--') ? [arg, undefined] : [arg.slice(0, equals), arg.slice(equals + 1)];
}

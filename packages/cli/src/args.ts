import { parseArgs, type ParseArgsConfig } from 'node:util';
import { tenantTarget } from '@tenantry/core';
import { asUsage, UsageError } from './usage-error.js';

/** One option of a command: how it parses and how `--help` shows it. */
export interface OptionDef {
  readonly type: 'string' | 'boolean';
  /** May be given several times; the values are collected in order. */
  readonly multiple?: boolean;
  readonly short?: string;
  /** The value's placeholder in `--help`, e.g. `<name>`. */
  readonly value?: string;
  readonly description: string;
  /** The `--help` section it is listed under. Default `Options`. */
  readonly group?: 'Options' | 'Password' | 'Bulk' | 'Connection' | 'Output';
}

export type OptionDefs = Readonly<Record<string, OptionDef>>;

export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
  readonly positionals: readonly string[];
}

/** Options every command understands. */
export const helpOption: OptionDefs = {
  help: { type: 'boolean', short: 'h', description: 'Show this help.', group: 'Output' },
};

export const jsonOption: OptionDefs = {
  json: { type: 'boolean', description: 'Print exactly one JSON document on stdout (diagnostics stay on stderr).', group: 'Output' },
};

export const connectionOptions: OptionDefs = {
  'database-url': {
    type: 'string',
    value: '<url>',
    description:
      'Admin connection, postgresql://user:password@host:port/database. Default: DATABASE_URL, else the libpq variables PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, PGAPPNAME. Prefer the environment: arguments are visible to other users in ps.',
    group: 'Connection',
  },
};

/** Where tenants connect when that is not the admin's server (a pooler, a proxy, a TLS endpoint). */
export interface TenantTargetSetting {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly params?: Readonly<Record<string, string>> | undefined;
}

export const tenantTargetOptions: OptionDefs = {
  'tenant-host': {
    type: 'string',
    value: '<host>',
    description:
      "Where tenants connect, in the connection strings they get, when not the admin's server (a pooler such as PgBouncer, a proxy, a TLS endpoint): a host name, IP address or socket directory. Default: TENANTRY_TENANT_HOST, else tenantHost in the config file, else the admin's host.",
    group: 'Connection',
  },
  'tenant-port': {
    type: 'string',
    value: '<port>',
    description: "The port tenants connect to (e.g. 6432, PgBouncer's). Default: TENANTRY_TENANT_PORT, else tenantPort in the config file, else the admin's port.",
    group: 'Connection',
  },
  'tenant-param': {
    type: 'string',
    multiple: true,
    value: '<key=value>',
    description:
      "A parameter of tenants' connection strings, replacing the admin's: sslmode, sslrootcert, sslnegotiation, application_name, connect_timeout or target_session_attrs. Repeatable. Default: TENANTRY_TENANT_PARAMS (k=v;k=v), else tenantParams in the config file.",
    group: 'Connection',
  },
};

/** The tenant target from --tenant-host, --tenant-port and --tenant-param, each over its default from the environment or config file. */
export function tenantTargetValue(args: ParsedArgs, command: string, defaults: TenantTargetSetting | undefined): TenantTargetSetting | undefined {
  const host = stringValue(args, 'tenant-host');
  if (host === '') throw new UsageError('--tenant-host must not be empty.', { command });
  const port = integerValue(args, 'tenant-port', command, { min: 1, max: 65_535 });
  const params = keyValueList(args, 'tenant-param', command);
  const merged: TenantTargetSetting = {
    ...defaults,
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    ...(params === undefined ? {} : { params: { ...defaults?.params, ...params } }),
  };
  if (Object.keys(merged).length === 0) return undefined;
  asUsage(command, () => tenantTarget(merged));
  return merged;
}

export const dryRunOption: OptionDefs = {
  'dry-run': {
    type: 'boolean',
    description: 'Print the statements that would run, in order, secrets redacted, and change nothing. Still connects, to read what the plan depends on.',
  },
};

export const unqualifyPublicOption: OptionDefs = {
  'unqualify-public': {
    type: 'boolean',
    description:
      'With a drizzle-kit or Prisma folder: drop the "public". qualifiers in its .sql files (drizzle-kit writes them in foreign keys, enums and views), so the names resolve in the tenant\'s schema. Without it such files are refused: tenants have no rights on public.',
  },
};

/**
 * Flags that would put a secret on the command line, where every user sees it
 * in `ps` and the shell keeps it in its history. Refused with an explanation.
 */
const SECRET_FLAGS: Readonly<Record<string, string>> = {
  '--password':
    'a password on the command line is visible to every user of this machine (ps, /proc) and stays in your shell history. Use --password-stdin (e.g. `printf %s "$PW" | tenantry ...`) or --password-file <path>, or omit both to have a strong password generated.',
};

/**
 * Parses a command's arguments strictly: an unknown option, a missing value,
 * an option given twice that takes one value, or a stray argument is a
 * `UsageError` with a hint.
 */
export function parseCommandArgs(
  command: string,
  options: OptionDefs,
  argv: readonly string[],
  positionals: { min: number; max: number; names: string },
): ParsedArgs {
  for (const arg of argv) {
    if (arg === '--') break;
    const flag = arg.split('=', 1)[0]!;
    const why = SECRET_FLAGS[flag];
    if (why !== undefined) throw new UsageError(`${flag} is not supported: ${why}`, { command });
  }
  const config: ParseArgsConfig['options'] = {};
  for (const [name, def] of Object.entries(options)) {
    config[name] = { type: def.type, ...(def.multiple ? { multiple: true } : {}), ...(def.short ? { short: def.short } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs<{ options: typeof config; allowPositionals: true; strict: true; tokens: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: config, strict: true, allowPositionals: true, tokens: true });
  } catch (error) {
    throw translateParseError(command, options, error);
  }
  // `--help` wins over everything else, so that `tenantry create --schema --help` still helps.
  if (parsed.values['help'] === true) return { values: parsed.values, positionals: parsed.positionals };
  const seen = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option') continue;
    const def = options[token.name];
    if (def && !def.multiple && seen.has(token.name)) {
      throw new UsageError(`--${token.name} was given more than once.`, { command });
    }
    seen.add(token.name);
  }
  if (parsed.positionals.length < positionals.min) {
    throw new UsageError(`missing argument: ${positionals.names}.`, { command });
  }
  if (parsed.positionals.length > positionals.max) {
    const extra = parsed.positionals[positionals.max]!;
    throw new UsageError(
      positionals.max === 0 ? `unexpected argument '${extra}': this command takes options only.` : `unexpected argument '${extra}'.`,
      { command },
    );
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

function translateParseError(command: string, options: OptionDefs, error: unknown): UsageError {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const name = quoted.replace(/^-+/, '').split('=')[0]!;
    const suggestion = closest(name, Object.keys(options));
    return new UsageError(`unknown option '${quoted}'.`, {
      command,
      hint: suggestion ? `Did you mean --${suggestion}?` : undefined,
    });
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /--[A-Za-z0-9-]+/.exec(quoted)?.[0] ?? quoted.split(' ')[0] ?? quoted;
    if (/argument missing/.test(message)) return new UsageError(`${flag} needs a value.`, { command });
    if (/does not take an argument/.test(message)) return new UsageError(`${flag} takes no value.`, { command });
    if (/ambiguous/.test(message)) {
      return new UsageError(`${flag} needs a value, but the next argument looks like an option.`, {
        command,
        hint: `If the value really starts with '-', write ${flag}=<value>.`,
      });
    }
    return new UsageError(message, { command });
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new UsageError(`unexpected argument '${quoted}'.`, { command });
  return new UsageError(message, { command });
}

/** The option name nearest to `name` (edit distance at most 3), for "did you mean". */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.max(1, Math.floor(name.length / 2)));
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance <= bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

// ---- typed access to parsed values -------------------------------------------------

export function stringValue(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function booleanValue(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

export function listValue(args: ParsedArgs, name: string): string[] {
  const value = args.values[name];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

export function requireString(args: ParsedArgs, name: string, command: string): string {
  const value = stringValue(args, name);
  if (value === undefined) throw new UsageError(`--${name} is required.`, { command });
  if (value === '') throw new UsageError(`--${name} must not be empty.`, { command });
  return value;
}

export function integerValue(
  args: ParsedArgs,
  name: string,
  command: string,
  range: { min: number; max: number },
): number | undefined {
  const text = stringValue(args, name);
  if (text === undefined) return undefined;
  return parseInteger(text, `--${name}`, range, command);
}

export function parseInteger(text: string, what: string, range: { min: number; max: number }, command?: string): number {
  const value = /^[+-]?\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new UsageError(`${what} must be a whole number from ${range.min} to ${range.max}, got '${text}'.`, { command });
  }
  return value;
}

/** Repeated `k=v` values into a record; a missing `=`, an empty key or a repeated key is a usage error. */
export function keyValueList(args: ParsedArgs, name: string, command: string): Record<string, string> | undefined {
  const entries = listValue(args, name);
  if (entries.length === 0) return undefined;
  const record: Record<string, string> = {};
  for (const entry of entries) {
    const [key, value] = splitKeyValue(entry, `--${name}`, command);
    if (Object.hasOwn(record, key)) throw new UsageError(`--${name} ${key} was given twice.`, { command });
    record[key] = value;
  }
  return record;
}

export function splitKeyValue(entry: string, what: string, command?: string): [string, string] {
  const equals = entry.indexOf('=');
  if (equals <= 0) throw new UsageError(`${what} expects key=value, got '${entry}'.`, { command });
  return [entry.slice(0, equals), entry.slice(equals + 1)];
}

/**
 * An ISO 8601 date or date-time (`2027-01-31`, `2027-01-31T12:00:00Z`); with
 * `allowNever`, `never`/`infinity` give null (no expiry).
 */
export function dateValue(args: ParsedArgs, name: string, command: string, allowNever: boolean): Date | null | undefined {
  const text = stringValue(args, name);
  if (text === undefined) return undefined;
  return parseDate(text, `--${name}`, allowNever, command);
}

export function parseDate(text: string, what: string, allowNever: boolean, command?: string): Date | null {
  if (allowNever && /^(never|infinity|none)$/i.test(text.trim())) return null;
  const iso = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
  const date = iso.test(text.trim()) ? new Date(text.trim()) : new Date(Number.NaN);
  if (!Number.isFinite(date.getTime())) {
    throw new UsageError(
      `${what} expects an ISO 8601 date or date-time such as 2027-01-31 or 2027-01-31T12:00:00Z${allowNever ? ', or never' : ''}; got '${text}'.`,
      { command },
    );
  }
  return date;
}

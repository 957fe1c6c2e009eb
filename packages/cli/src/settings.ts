import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { parseInteger, splitKeyValue, type TenantTargetSetting } from './args.js';
import type { SettingsChoice } from './global-options.js';
import { UsageError } from './usage-error.js';

/** The config file looked for in the working directory when `--config` is not given. */
export const DEFAULT_CONFIG_FILE = 'tenantry.config.json';

/** Defaults a team keeps in its config file or environment; a command-line option beats each. */
export interface CommandDefaults {
  /** `--concurrency` of `create --from` and `migrate`. */
  readonly concurrency?: number | undefined;
  /** `--migrations` of `create` and `migrate`, an absolute path. */
  readonly migrations?: string | undefined;
  /** Labels every created tenant gets; a `--label` of the same key, or the row's own, wins. */
  readonly labels?: Readonly<Record<string, string>> | undefined;
  /** `--tenant-host`, `--tenant-port`, `--tenant-param`: where tenants connect (a pooler, a proxy). */
  readonly tenantConnection?: TenantTargetSetting | undefined;
  /** `--pool-size` of `budget`: the pooler's server connections per tenant. */
  readonly poolerPoolSize?: number | undefined;
}

export interface Settings {
  /** The environment the commands see: the process's, over the env file's, over the config file's admin URL. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly defaults: CommandDefaults;
}

/** Connection variables: when the environment or the env file sets any, the config file's URL is not used. */
const CONNECTION_VARIABLES = ['DATABASE_URL', 'PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGUSER', 'PGDATABASE', 'PGSERVICE'];

/** The keys of the config file and of each of its environment sections. */
interface ConfigSection {
  databaseUrl?: string;
  concurrency?: number;
  migrations?: string;
  labels?: Record<string, string>;
  tenantHost?: string;
  tenantPort?: number;
  tenantParams?: Record<string, string>;
  poolerPoolSize?: number;
}

const SECTION_KEYS: Readonly<Record<keyof ConfigSection, 'string' | 'number' | 'labels'>> = {
  databaseUrl: 'string',
  concurrency: 'number',
  migrations: 'string',
  labels: 'labels',
  tenantHost: 'string',
  tenantPort: 'number',
  tenantParams: 'labels',
  poolerPoolSize: 'number',
};

/** The range of each number key. */
const NUMBER_RANGES: Readonly<Record<string, { min: number; max: number }>> = {
  concurrency: { min: 1, max: 64 },
  tenantPort: { min: 1, max: 65_535 },
  poolerPoolSize: { min: 1, max: 100_000 },
};

/**
 * Resolves the settings, each from the first place that has it:
 * command-line option (left to the command) > environment variable > env file
 * > config file (its environment section over its top level) > built-in default.
 * Error messages name files, keys and lines, never a value: these files hold passwords.
 */
export async function loadSettings(choice: SettingsChoice, processEnv: Readonly<Record<string, string | undefined>>, cwd: string, command?: string): Promise<Settings> {
  const fromFile = choice.envFile === undefined ? {} : await readEnvFile(resolve(cwd, choice.envFile), command);
  const env: Record<string, string | undefined> = { ...fromFile, ...definedOnly(processEnv) };
  const config = await readConfig(choice, env, cwd, command);
  if (config.databaseUrl !== undefined && !CONNECTION_VARIABLES.some((name) => env[name])) env['DATABASE_URL'] = config.databaseUrl;
  const concurrencyText = env['TENANTRY_CONCURRENCY'];
  const concurrency =
    concurrencyText !== undefined && concurrencyText !== ''
      ? parseInteger(concurrencyText, 'TENANTRY_CONCURRENCY', { min: 1, max: 64 }, command)
      : config.concurrency;
  const migrations = env['TENANTRY_MIGRATIONS'] ? resolve(cwd, env['TENANTRY_MIGRATIONS']) : config.migrations;
  const labels = { ...config.labels, ...(env['TENANTRY_LABELS'] ? labelsFromText(env['TENANTRY_LABELS'], command, 'TENANTRY_LABELS') : {}) };
  const tenantConnection = tenantTargetFrom(env, config, command);
  const poolText = env['TENANTRY_POOLER_POOL_SIZE'];
  const poolerPoolSize = poolText ? parseInteger(poolText, 'TENANTRY_POOLER_POOL_SIZE', NUMBER_RANGES['poolerPoolSize']!, command) : config.poolerPoolSize;
  return { env, defaults: { concurrency, migrations, labels: Object.keys(labels).length > 0 ? labels : undefined, tenantConnection, poolerPoolSize } };
}

/** TENANTRY_TENANT_HOST, _PORT and _PARAMS over the config file's tenantHost, tenantPort and tenantParams (parameters merged key by key). */
function tenantTargetFrom(env: Readonly<Record<string, string | undefined>>, config: ConfigSection, command: string | undefined): TenantTargetSetting | undefined {
  const host = env['TENANTRY_TENANT_HOST'] || config.tenantHost;
  const portText = env['TENANTRY_TENANT_PORT'];
  const port = portText ? parseInteger(portText, 'TENANTRY_TENANT_PORT', NUMBER_RANGES['tenantPort']!, command) : config.tenantPort;
  const params = { ...config.tenantParams, ...(env['TENANTRY_TENANT_PARAMS'] ? labelsFromText(env['TENANTRY_TENANT_PARAMS'], command, 'TENANTRY_TENANT_PARAMS') : {}) };
  const target: TenantTargetSetting = {
    ...(host ? { host } : {}),
    ...(port === undefined ? {} : { port }),
    ...(Object.keys(params).length > 0 ? { params } : {}),
  };
  return Object.keys(target).length === 0 ? undefined : target;
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** The variables of a dotenv file that Tenantry reads: DATABASE_URL, PG* and TENANTRY_*; others are left alone. */
async function readEnvFile(path: string, command: string | undefined): Promise<Record<string, string>> {
  const text = await readSettingsFile(path, '--env-file', command);
  const variables = parseEnv(text) as Record<string, string>;
  return Object.fromEntries(Object.entries(variables).filter(([name]) => name === 'DATABASE_URL' || name.startsWith('PG') || name.startsWith('TENANTRY_')));
}

async function readSettingsFile(path: string, what: string, command: string | undefined): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${what}: cannot read ${path} (${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')}).`, { command });
  }
}

/** The config file's top level with the chosen environment's section over it; paths resolved against the file's folder. */
async function readConfig(choice: SettingsChoice, env: Readonly<Record<string, string | undefined>>, cwd: string, command: string | undefined): Promise<ConfigSection> {
  const path = choice.config === undefined ? resolve(cwd, DEFAULT_CONFIG_FILE) : resolve(cwd, choice.config);
  let text: string;
  if (choice.config === undefined) {
    text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw new UsageError(`cannot read ${path} (${error.code ?? 'unreadable'}).`, { command });
    });
    if (text === '') {
      const name = choice.env ?? env['TENANTRY_ENV'];
      if (name) throw new UsageError(`environment '${name}' chosen (${choice.env ? '--env' : 'TENANTRY_ENV'}), but there is no config file: no --config and no ${DEFAULT_CONFIG_FILE} here.`, { command });
      return {};
    }
  } else {
    text = await readSettingsFile(path, '--config', command);
  }
  const document = parseJson(text, path, command);
  const where = (key: string) => `${path}: ${key}`;
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new UsageError(`${path}: expected a JSON object.`, { command });
  const { environments, ...top } = document as Record<string, unknown>;
  const base = configSection(top, (key) => where(key), dirname(path), command);
  const name = choice.env ?? env['TENANTRY_ENV'];
  if (!name) return base;
  if (typeof environments !== 'object' || environments === null || Array.isArray(environments) || !Object.hasOwn(environments, name)) {
    const known = typeof environments === 'object' && environments !== null ? Object.keys(environments) : [];
    throw new UsageError(`${path} has no environment '${name}' (chosen by ${choice.env ? '--env' : 'TENANTRY_ENV'}).`, {
      command,
      hint: known.length > 0 ? `Its environments: ${known.join(', ')}.` : 'Add an "environments": {"<name>": {...}} object.',
    });
  }
  const section = (environments as Record<string, unknown>)[name];
  if (typeof section !== 'object' || section === null || Array.isArray(section)) throw new UsageError(`${where(`environments.${name}`)} must be an object.`, { command });
  const chosen = configSection(section as Record<string, unknown>, (key) => where(`environments.${name}.${key}`), dirname(path), command);
  // Labels and tenant parameters merge key by key, as they do with TENANTRY_LABELS and --label; the other keys replace.
  return {
    ...base,
    ...chosen,
    ...(base.labels || chosen.labels ? { labels: { ...base.labels, ...chosen.labels } } : {}),
    ...(base.tenantParams || chosen.tenantParams ? { tenantParams: { ...base.tenantParams, ...chosen.tenantParams } } : {}),
  };
}

/** JSON.parse without its message, which quotes the text around the mistake (a password, perhaps): the line and column instead. */
function parseJson(text: string, path: string, command: string | undefined): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    if (position === undefined) throw new UsageError(`${path} is not valid JSON.`, { command });
    const before = text.slice(0, Number(position));
    const line = before.split('\n').length;
    const column = Number(position) - before.lastIndexOf('\n');
    throw new UsageError(`${path} is not valid JSON (line ${line}, column ${column}).`, { command });
  }
}

function configSection(object: Record<string, unknown>, where: (key: string) => string, folder: string, command: string | undefined): ConfigSection {
  const section: ConfigSection = {};
  for (const [key, value] of Object.entries(object)) {
    const kind = SECTION_KEYS[key as keyof ConfigSection];
    if (kind === undefined) throw new UsageError(`${where(key)}: unknown key; expected ${[...Object.keys(SECTION_KEYS), 'environments'].join(', ')}.`, { command });
    if (kind === 'string') {
      if (typeof value !== 'string' || value === '') throw new UsageError(`${where(key)} must be a non-empty string.`, { command });
      if (key === 'databaseUrl') section.databaseUrl = value;
      else if (key === 'tenantHost') section.tenantHost = value;
      else section.migrations = isAbsolute(value) ? value : resolve(folder, value);
    } else if (kind === 'number') {
      const range = NUMBER_RANGES[key]!;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
        throw new UsageError(`${where(key)} must be a whole number from ${range.min} to ${range.max}.`, { command });
      }
      section[key as 'concurrency' | 'tenantPort' | 'poolerPoolSize'] = value;
    } else {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((label) => typeof label !== 'string')) {
        throw new UsageError(`${where(key)} must be an object of strings, e.g. ${key === 'labels' ? '{"plan": "gold"}' : '{"sslmode": "require"}'}.`, { command });
      }
      section[key as 'labels' | 'tenantParams'] = value as Record<string, string>;
    }
  }
  return section;
}

/** TENANTRY_LABELS, TENANTRY_TENANT_PARAMS: `k=v;k=v`, as the labels column of a CSV. */
function labelsFromText(text: string, command: string | undefined, variable: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const entry of text.split(';')) {
    if (entry.trim() === '') continue;
    const [key, value] = splitKeyValue(entry.trim(), variable, command);
    labels[key.trim()] = value.trim();
  }
  return labels;
}

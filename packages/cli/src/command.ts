import { isAbsolute, resolve } from 'node:path';
import type { AdminHandle } from './admin-handle.js';
import { stringValue, type OptionDefs, type ParsedArgs, type TenantTargetSetting } from './args.js';
import { resolveConnection } from './connection.js';
import type { CliIo } from './io.js';
import type { Output } from './output.js';
import type { CommandDefaults } from './settings.js';
import type { TenantryDialect } from '@tenantry/sql';

/** What a command runs with: the environment, its output, and a way to connect. */
export interface CommandContext {
  readonly io: CliIo;
  readonly output: Output;
  /** The command's name, for usage hints. */
  readonly command: string;
  /** Defaults from the environment and the config file (`--concurrency`, `--migrations`, labels); an option given beats them. */
  readonly defaults: CommandDefaults;
  /** `path` against the working directory. */
  resolvePath(path: string): string;
  /**
   * Connects as the admin (`--database-url`, `DATABASE_URL` or the libpq
   * variables) and runs `work`; the pool is closed afterwards.
   */
  withAdmin<T>(databaseUrl: string | undefined, work: (handle: AdminHandle) => Promise<T>, options?: WithAdminOptions): Promise<T>;
  /**
   * The dialect `withAdmin` will run for this target (by the URL's scheme;
   * PostgreSQL for the libpq variables), to check a tenant's input by its
   * rules before connecting.
   */
  targetDialect(databaseUrl: string | undefined): Promise<TenantryDialect>;
}

export interface WithAdminOptions {
  /** Connections the pool may open (bulk creation). */
  poolSize?: number | undefined;
  /** Where tenants connect (`--tenant-host`, ...); default: the environment's or config file's. */
  tenantConnection?: TenantTargetSetting | undefined;
}

/** A `tenantry` command: its parser and help, and the function that does the work. */
export interface CommandDefinition {
  readonly name: string;
  /** One line for `tenantry --help`. */
  readonly summary: string;
  /** Usage lines, without the leading `tenantry `. */
  readonly usage: readonly string[];
  /** What it does, a paragraph or two. */
  readonly description: string;
  readonly options: OptionDefs;
  readonly positionals: { readonly min: number; readonly max: number; readonly names: string };
  readonly examples: readonly string[];
  /** Exit code 0, 1 or 2 (or 130 when interrupted). */
  run(args: ParsedArgs, context: CommandContext): Promise<number>;
}

export function createContext(io: CliIo, output: Output, command: string, defaults: CommandDefaults = {}): CommandContext {
  const cwd = io.cwd ?? process.cwd();
  return {
    io,
    output,
    command,
    defaults,
    resolvePath: (path) => (isAbsolute(path) ? path : resolve(cwd, path)),
    async targetDialect(databaseUrl) {
      const url = databaseUrl ?? io.env['DATABASE_URL'];
      const { createDialect, dialectForUrl } = await import('@tenantry/sql');
      const registryDatabase = io.env['TENANTRY_MYSQL_REGISTRY'] || undefined;
      return (url ? dialectForUrl(url, { mysql: { registryDatabase } }) : undefined) ?? createDialect(LIBPQ_DIALECT);
    },
    async withAdmin(databaseUrl, work, options = {}) {
      const connection = resolveConnection(databaseUrl, io.env, command);
      for (const warning of connection.warnings) output.warn(warning);
      // Loaded here, not at start-up: pg, kysely and the admin are not needed for --help or a usage error.
      const { AdminHandle } = await import('./admin-handle.js');
      const handle = new AdminHandle(connection, { poolSize: options.poolSize, tenantConnection: options.tenantConnection ?? defaults.tenantConnection });
      try {
        return await work(handle);
      } catch (error) {
        if (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'CONNECTION') {
          connectionTargets.set(error, `connecting to ${connection.description} (from ${connection.source})`);
        }
        throw error;
      } finally {
        await handle.close();
      }
    },
  };
}

/** The dialect of a target named by the libpq variables, which have no URL scheme. */
const LIBPQ_DIALECT = 'postgres';

/** For a connection failure, where it tried to connect, without the password: main prints it after the error. */
export const connectionTargets = new WeakMap<object, string>();

/** `--database-url` as given. */
export function databaseUrlOf(args: ParsedArgs): string | undefined {
  return stringValue(args, 'database-url');
}

import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { FileMigrationProvider, type MigrationProvider } from 'kysely';
import { sqlFolderMigrations, sqlMigrationLayoutOf, type SqlMigrationLayout } from '@tenantry/admin';
import { ValidationError } from '@tenantry/core';
import type { CommandContext } from './command.js';
import { UsageError } from './usage-error.js';

export interface MigrationFolder {
  /** The provider for the folder: Kysely's `FileMigrationProvider`, or `sqlFolderMigrations` for drizzle-kit's and Prisma's files. */
  provider: MigrationProvider;
  /** The absolute path. */
  folder: string;
  /** Which tool's files the folder holds. */
  layout: 'kysely' | SqlMigrationLayout;
  /** The migration names in the order Kysely applies them. */
  names(): Promise<string[]>;
}

export interface MigrationFolderOptions {
  /** `--unqualify-public`: drop the `public.` qualifiers of drizzle-kit's or Prisma's files (see `sqlFolderMigrations`). */
  unqualifyPublic?: boolean | undefined;
}

/**
 * The migrations in `dir`, as the tool that wrote them lays them out:
 *
 * - drizzle-kit (`<n>_<name>.sql` listed in `meta/_journal.json`) or Prisma
 *   (`<timestamp>_<name>/migration.sql` beside `migration_lock.toml`): read
 *   with `sqlFolderMigrations`, at once, so that a bad folder is a usage
 *   error (exit 2) before anything connects;
 * - otherwise Kysely's `FileMigrationProvider`: compiled `.js` or `.mjs`
 *   files (Node 20 cannot import `.ts`), each exporting `up(db)` and
 *   optionally `down(db)`, applied in file-name order.
 */
export async function migrationFolder(dir: string, context: CommandContext, options: MigrationFolderOptions = {}): Promise<MigrationFolder> {
  const command = context.command;
  const folder = context.resolvePath(dir);
  let isDirectory = false;
  try {
    isDirectory = (await stat(folder)).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) throw new UsageError(`--migrations: ${dir} is not a directory.`, { command });
  const layout = await folderUsage(command, () => sqlMigrationLayoutOf(folder));
  if (layout === undefined) {
    if (options.unqualifyPublic) {
      throw new UsageError(`--unqualify-public applies to the .sql files of drizzle-kit and Prisma; ${dir} holds no such folder.`, { command });
    }
    const provider = new FileMigrationProvider({ fs: { readdir }, path, migrationFolder: folder });
    let loaded: Promise<string[]> | undefined;
    return {
      provider,
      folder,
      layout: 'kysely',
      names: () => (loaded ??= provider.getMigrations().then((migrations) => Object.keys(migrations).sort())),
    };
  }
  const provider = sqlFolderMigrations(folder, { unqualifyPublic: options.unqualifyPublic ?? false });
  const names = Object.keys(await folderUsage(command, () => provider.getMigrations())).sort();
  return { provider, folder, layout, names: async () => names };
}

/** A `ValidationError` about the folder is a usage error (exit 2), as a missing folder is. */
async function folderUsage<T>(command: string | undefined, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (ValidationError.isInstance(error)) throw new UsageError(`--migrations: ${error.message}`, { command });
    throw error;
  }
}

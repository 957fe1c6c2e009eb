import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { FileMigrationProvider, type MigrationProvider } from 'kysely';
import type { CommandContext } from './command.js';
import { UsageError } from './usage-error.js';

export interface MigrationFolder {
  /** Kysely's provider for the folder: every .js/.mjs file exporting `up` (and optionally `down`). */
  provider: MigrationProvider;
  /** The absolute path. */
  folder: string;
  /** The migration names in the order Kysely applies them. */
  names(): Promise<string[]>;
}

/**
 * The migrations in `dir`, read with Kysely's `FileMigrationProvider`:
 * compiled `.js` or `.mjs` files (Node 20 cannot import `.ts`), each exporting
 * `up(db)` and optionally `down(db)`, applied in file-name order.
 */
export async function migrationFolder(dir: string, context: CommandContext): Promise<MigrationFolder> {
  const folder = context.resolvePath(dir);
  let isDirectory = false;
  try {
    isDirectory = (await stat(folder)).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) throw new UsageError(`--migrations: ${dir} is not a directory.`, { command: context.command });
  const provider = new FileMigrationProvider({ fs: { readdir }, path, migrationFolder: folder });
  let loaded: Promise<string[]> | undefined;
  return {
    provider,
    folder,
    names: () => (loaded ??= provider.getMigrations().then((migrations) => Object.keys(migrations).sort())),
  };
}

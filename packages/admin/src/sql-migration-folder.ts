import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { ValidationError } from '@tenantry/core';

/** The folder layouts of plain SQL migrations that `sqlFolderMigrations` reads. */
export type SqlMigrationLayout = 'drizzle' | 'prisma';

/** One migration file of a folder, as its tool names and orders it. */
export interface SqlMigrationSource {
  /** The history name: drizzle-kit's tag (`0000_cool_name`), Prisma's folder name (`20240101120000_init`). */
  readonly name: string;
  /** The file, relative to the folder, for messages. */
  readonly file: string;
  readonly text: string;
}

export interface SqlMigrationFolder {
  readonly layout: SqlMigrationLayout;
  /** In the order the tool applies them, which is also the order of their names. */
  readonly sources: readonly SqlMigrationSource[];
}

const DRIZZLE_JOURNAL = 'meta/_journal.json';
const PRISMA_LOCK = 'migration_lock.toml';
const PRISMA_FILE = 'migration.sql';
/** Files Kysely's FileMigrationProvider would import. */
const KYSELY_FILE = /^(?!.*\.d\.[cm]?ts$).*\.[cm]?[jt]s$/;

interface Entry {
  readonly name: string;
  readonly kind: 'file' | 'directory' | 'other';
}

/**
 * Which tool's layout `folder` has: `undefined` when it holds nothing of
 * either (a folder of Kysely migration files, say). Only what marks a layout
 * is looked at; `readSqlMigrationFolder` checks the rest.
 *
 * - drizzle-kit: `meta/_journal.json`, or `.sql` files and no `.js`/`.ts` ones
 *   (a Kysely migration may read a `.sql` file beside it).
 * - Prisma: `migration_lock.toml`, or a sub-folder holding `migration.sql`.
 *
 * @throws ValidationError (rule `migration-folder-layout`) when the folder cannot be read, or has marks of both tools.
 */
export async function sqlMigrationLayoutOf(folder: string): Promise<SqlMigrationLayout | undefined> {
  return (await inspect(folder)).layout;
}

/**
 * Reads a folder of drizzle-kit or Prisma migrations: every file, in the
 * order the tool applies them.
 *
 * - drizzle-kit: the migrations `meta/_journal.json` lists, in its order, each
 *   `<tag>.sql` beside it. Any other entry but `meta/` is refused.
 * - Prisma: every sub-folder's `migration.sql`, in the order of the folder
 *   names. `migration_lock.toml` must be there; anything else is refused.
 *
 * Names starting with a dot (`.gitkeep`, `.DS_Store`) are passed over. Kysely
 * applies migrations in the order of their names: a folder whose tool order
 * differs (drizzle-kit's `prefix: 'none'`, say) is refused rather than run in
 * another order than the tool's.
 *
 * @throws ValidationError (rule `migration-folder-layout`) naming the file or folder at fault.
 */
export async function readSqlMigrationFolder(folder: string): Promise<SqlMigrationFolder> {
  const found = await inspect(folder);
  if (found.layout === undefined) {
    const kysely = found.entries.find((entry) => entry.kind === 'file' && KYSELY_FILE.test(entry.name));
    const hint = kysely ? ` It holds ${kysely.name}: Kysely migration files are read with Kysely's FileMigrationProvider.` : '';
    throw layoutError(
      folder,
      `it holds neither drizzle-kit's migrations (<n>_<name>.sql files listed in ${DRIZZLE_JOURNAL}) nor Prisma's (<timestamp>_<name>/${PRISMA_FILE} folders beside ${PRISMA_LOCK}).${hint}`,
    );
  }
  const sources = found.layout === 'drizzle' ? await drizzleSources(folder, found.entries) : await prismaSources(folder, found.entries);
  requireNameOrder(folder, sources);
  return { layout: found.layout, sources };
}

async function inspect(folder: string): Promise<{ layout: SqlMigrationLayout | undefined; entries: Entry[] }> {
  const entries = await list(folder, '');
  const meta = entries.find((entry) => entry.name === 'meta' && entry.kind === 'directory');
  const journal = meta !== undefined && (await list(folder, 'meta')).some((entry) => entry.name === '_journal.json' && entry.kind === 'file');
  const sqlFile = entries.find((entry) => entry.kind === 'file' && entry.name.endsWith('.sql'));
  const kyselyFile = entries.some((entry) => entry.kind === 'file' && KYSELY_FILE.test(entry.name));
  const drizzleMark = journal ? DRIZZLE_JOURNAL : sqlFile !== undefined && !kyselyFile ? sqlFile.name : undefined;

  const lock = entries.some((entry) => entry.name === PRISMA_LOCK);
  let prismaMark = lock ? PRISMA_LOCK : undefined;
  for (const entry of entries) {
    if (prismaMark !== undefined) break;
    if (entry.kind !== 'directory' || entry.name === 'meta') continue;
    const inside = await list(folder, entry.name);
    if (inside.some((file) => file.name === PRISMA_FILE)) prismaMark = `${entry.name}/${PRISMA_FILE}`;
  }
  if (drizzleMark !== undefined && prismaMark !== undefined) {
    throw layoutError(folder, `it mixes drizzle-kit's layout (${drizzleMark}) and Prisma's (${prismaMark}); a folder holds the migrations of one tool.`);
  }
  return { layout: drizzleMark !== undefined ? 'drizzle' : prismaMark !== undefined ? 'prisma' : undefined, entries };
}

async function drizzleSources(folder: string, entries: readonly Entry[]): Promise<SqlMigrationSource[]> {
  if (!entries.some((entry) => entry.name === 'meta' && entry.kind === 'directory')) {
    throw layoutError(folder, `it holds .sql files but no ${DRIZZLE_JOURNAL}, which gives drizzle-kit's migrations their order. Keep the meta/ folder drizzle-kit writes.`);
  }
  const tags = journalTags(folder, await readText(folder, DRIZZLE_JOURNAL));
  const files = new Set(entries.filter((entry) => entry.kind === 'file' && entry.name.endsWith('.sql')).map((entry) => entry.name));
  for (const tag of tags) {
    if (!files.has(`${tag}.sql`)) throw layoutError(folder, `${DRIZZLE_JOURNAL} lists "${tag}", but there is no file ${tag}.sql.`);
  }
  const listed = new Set(tags.map((tag) => `${tag}.sql`));
  for (const entry of entries) {
    if (entry.name === 'meta' && entry.kind === 'directory') continue;
    if (listed.has(entry.name) && entry.kind === 'file') continue;
    const why = files.has(entry.name)
      ? `it is not listed in ${DRIZZLE_JOURNAL}, so drizzle-kit would never apply it (add it with drizzle-kit generate, or remove it)`
      : 'a drizzle-kit migrations folder holds only the .sql files meta/_journal.json lists, and meta/';
    throw layoutError(folder, `${entry.name}: ${why}.`);
  }
  return Promise.all(tags.map(async (tag) => ({ name: tag, file: `${tag}.sql`, text: await readText(folder, `${tag}.sql`) })));
}

/** The tags of `meta/_journal.json`, in its order. */
function journalTags(folder: string, text: string): string[] {
  let journal: unknown;
  try {
    journal = JSON.parse(text);
  } catch (error) {
    throw layoutError(folder, `${DRIZZLE_JOURNAL} is not valid JSON: ${(error as Error).message}`);
  }
  const entries = (journal as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) throw layoutError(folder, `${DRIZZLE_JOURNAL} has no "entries" list.`);
  const tags: string[] = [];
  for (const [index, entry] of entries.entries()) {
    const tag = (entry as { tag?: unknown } | null)?.tag;
    if (typeof tag !== 'string' || tag === '') throw layoutError(folder, `${DRIZZLE_JOURNAL}: entry ${index} has no "tag".`);
    if (tags.includes(tag)) throw layoutError(folder, `${DRIZZLE_JOURNAL} lists "${tag}" twice.`);
    tags.push(tag);
  }
  return tags;
}

async function prismaSources(folder: string, entries: readonly Entry[]): Promise<SqlMigrationSource[]> {
  if (!entries.some((entry) => entry.name === PRISMA_LOCK && entry.kind === 'file')) {
    throw layoutError(folder, `it has Prisma's migration folders but no ${PRISMA_LOCK} (prisma migrate writes it beside them; keep it in version control).`);
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.name === PRISMA_LOCK) continue;
    if (entry.kind !== 'directory') {
      throw layoutError(folder, `${entry.name}: a Prisma migrations folder holds only ${PRISMA_LOCK} and one folder per migration (<timestamp>_<name>/${PRISMA_FILE}).`);
    }
    const inside = await list(folder, entry.name);
    if (!inside.some((file) => file.name === PRISMA_FILE && file.kind === 'file')) {
      throw layoutError(folder, `${entry.name}/ has no ${PRISMA_FILE}; each Prisma migration folder holds one.`);
    }
    const other = inside.find((file) => file.name !== PRISMA_FILE);
    if (other !== undefined) throw layoutError(folder, `${entry.name}/${other.name}: a Prisma migration folder holds only ${PRISMA_FILE}.`);
    names.push(entry.name);
  }
  // Prisma orders migrations by folder name, byte by byte (Rust's string order).
  names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return Promise.all(names.map(async (name) => ({ name, file: `${name}/${PRISMA_FILE}`, text: await readText(folder, `${name}/${PRISMA_FILE}`) })));
}

/** Kysely's Migrator applies migrations in the order of their names (`Array.prototype.sort`); the tool's order must agree. */
function requireNameOrder(folder: string, sources: readonly SqlMigrationSource[]): void {
  const sorted = sources.map((source) => source.name).sort();
  const at = sources.findIndex((source, index) => source.name !== sorted[index]);
  if (at === -1) return;
  throw layoutError(
    folder,
    `${sources[at]!.file} comes before ${sources[at + 1]?.file ?? 'the next one'} in the tool's order but not in name order, in which the history applies them. ` +
      "Name migrations so that the two orders agree (drizzle-kit: the default prefix 'index', or 'timestamp').",
  );
}

/** The entries of `folder/sub` whose names do not start with a dot, symbolic links followed. */
async function list(folder: string, sub: string): Promise<Entry[]> {
  const where = path.join(folder, sub);
  let dirents;
  try {
    dirents = await readdir(where, { withFileTypes: true });
  } catch (error) {
    throw layoutError(folder, `${sub === '' ? 'it' : sub} cannot be read as a folder (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  const entries: Entry[] = [];
  for (const dirent of dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (dirent.name.startsWith('.')) continue;
    let kind: Entry['kind'] = dirent.isFile() ? 'file' : dirent.isDirectory() ? 'directory' : 'other';
    if (dirent.isSymbolicLink()) {
      const target = await stat(path.join(where, dirent.name)).catch(() => undefined);
      kind = target?.isFile() ? 'file' : target?.isDirectory() ? 'directory' : 'other';
    }
    entries.push({ name: dirent.name, kind });
  }
  return entries;
}

async function readText(folder: string, file: string): Promise<string> {
  try {
    return await readFile(path.join(folder, file), 'utf8');
  } catch (error) {
    throw layoutError(folder, `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

function layoutError(folder: string, problem: string): ValidationError {
  return new ValidationError({ field: 'migrations', rule: 'migration-folder-layout', message: `Migrations folder ${folder}: ${problem}` });
}

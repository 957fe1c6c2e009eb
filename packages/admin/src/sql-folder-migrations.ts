import * as path from 'node:path';
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { ValidationError } from '@tenantry/core';
import { publicQualifiers, withoutQualifiers } from './public-schema-qualifiers.js';
import { readSqlMigrationFolder, type SqlMigrationLayout, type SqlMigrationSource } from './sql-migration-folder.js';

export interface SqlFolderMigrationsOptions {
  /**
   * Drop every `public.` qualifier (`"public"."users"` becomes `"users"`), so
   * that the names resolve in the tenant's schema, where migrations run.
   * Default `false`: a file that qualifies a name with `public` is refused
   * (`ValidationError`, rule `public-schema-reference`), naming it and the line.
   *
   * drizzle-kit (0.31) writes `"public".` before the names of the default
   * schema's objects in foreign keys, enums, sequences and views, although
   * its tables are created unqualified; tenants have no rights on schema
   * `public`. Turn this on for such files. Only qualifiers are dropped, as a
   * lexer finds them: not text in string literals, comments or dollar-quoted
   * bodies (a function body's `public.x` stays, and fails when called), and
   * never the middle part of `db.public.x` (refused). A relation or alias
   * named `public` qualifying a column (`public.id`) would lose its qualifier
   * too: do not name one so.
   */
  readonly unqualifyPublic?: boolean;
}

/**
 * A Kysely `MigrationProvider` for a folder of plain SQL migrations as
 * drizzle-kit or Prisma write them (see `readSqlMigrationFolder`), for
 * `createTenant(config, { migrations })` and `migrateTenants({ migrations })`.
 * Each migration's `up` runs its file: drizzle-kit's statement by statement,
 * split at `--> statement-breakpoint` as drizzle's own migrator does; Prisma's
 * as one script. Its history name is drizzle-kit's tag or Prisma's folder
 * name, in the tenant's `kysely_migration` table. There is no `down`.
 *
 * Every `getMigrations()` reads the folder again (calls made while a read is
 * under way share it), so files added later are applied by a later
 * `migrateTenants`. A migration whose file is unchanged is the same object,
 * with the same `up`, on every call; a changed file gives a new one.
 *
 * WARNING: the files run as they are (`sql.raw`), with the tenant's rights:
 * they are code, like any migration. Never point this at a folder that
 * someone you would not let write your migrations can write to.
 *
 * ```ts
 * const migrations = sqlFolderMigrations('./drizzle', { unqualifyPublic: true });
 * await migrations.getMigrations(); // optional: a bad folder throws ValidationError here, before any tenant
 * await admin.createTenant({ schemaName: 'tenant_acme', username: 'acme_user' }, { migrations });
 * await admin.migrateTenants({ migrations });
 * ```
 *
 * @throws ValidationError for bad options, at once; from `getMigrations()`,
 *   for a folder of neither layout, of both, or with an entry its tool would
 *   not apply (rule `migration-folder-layout`), and for a `public.` qualifier
 *   (rule `public-schema-reference`). Through `createTenant` and
 *   `migrateTenants` these reach you as their `DatabaseError`, message kept.
 */
export function sqlFolderMigrations(folder: string, options: SqlFolderMigrationsOptions = {}): MigrationProvider {
  if (typeof folder !== 'string' || folder === '') {
    throw new ValidationError({ field: 'folder', rule: 'type', message: 'sqlFolderMigrations expects the path of a folder.' });
  }
  const unqualifyPublic = options.unqualifyPublic ?? false;
  if (typeof unqualifyPublic !== 'boolean') {
    throw new ValidationError({ field: 'unqualifyPublic', rule: 'type', message: 'unqualifyPublic must be true or false.' });
  }
  const root = path.resolve(folder);
  let known = new Map<string, { layout: SqlMigrationLayout; text: string; migration: Migration }>();
  let reading: Promise<Record<string, Migration>> | undefined;

  const read = async (): Promise<Record<string, Migration>> => {
    const { layout, sources } = await readSqlMigrationFolder(root);
    const next = new Map<string, { layout: SqlMigrationLayout; text: string; migration: Migration }>();
    const migrations: Record<string, Migration> = {};
    for (const source of sources) {
      const cached = known.get(source.name);
      const entry = cached?.layout === layout && cached.text === source.text ? cached : { layout, text: source.text, migration: sqlMigration(root, layout, source, unqualifyPublic) };
      next.set(source.name, entry);
      migrations[source.name] = entry.migration;
    }
    known = next;
    return Object.freeze(migrations);
  };

  return {
    getMigrations: () => (reading ??= read().finally(() => (reading = undefined))),
  };
}

/** The migration that runs one file: its statements, one query each, in order. */
function sqlMigration(folder: string, layout: SqlMigrationLayout, source: SqlMigrationSource, unqualifyPublic: boolean): Migration {
  const statements = statementsOf(layout, unqualified(folder, source, unqualifyPublic));
  return Object.freeze({
    async up(db: Kysely<any>): Promise<void> {
      // The caller's own migration files, not input: see the WARNING above.
      for (const statement of statements) await sql.raw(statement).execute(db);
    },
  });
}

/**
 * drizzle-kit's statements, split as drizzle's migrator splits them; Prisma's
 * file whole (PostgreSQL runs a query without parameters through the simple
 * protocol, which takes several statements).
 */
function statementsOf(layout: SqlMigrationLayout, text: string): string[] {
  const parts = layout === 'drizzle' ? text.split('--> statement-breakpoint') : [text];
  return parts.filter((part) => part.trim() !== '');
}

function unqualified(folder: string, source: SqlMigrationSource, unqualifyPublic: boolean): string {
  const qualifiers = publicQualifiers(source.text);
  if (qualifiers.length === 0) return source.text;
  const where = (line: number) => `Migrations folder ${folder}: ${source.file}, line ${line}`;
  const nested = qualifiers.find((qualifier) => qualifier.nested);
  if (nested !== undefined) {
    throw new ValidationError({
      field: 'migrations',
      rule: 'public-schema-reference',
      message: `${where(nested.line)}: a three-part name through schema "public" (${excerpt(source.text, nested.start)}) cannot run in a tenant's schema; name the object without database and schema.`,
    });
  }
  if (unqualifyPublic) return withoutQualifiers(source.text, qualifiers);
  const [first] = qualifiers;
  throw new ValidationError({
    field: 'migrations',
    rule: 'public-schema-reference',
    message:
      `${where(first!.line)}: ${excerpt(source.text, first!.start)} names schema "public" (${qualifiers.length === 1 ? 'once' : `${qualifiers.length} times in this file`}). ` +
      "Tenant migrations run in the tenant's schema, and tenants have no rights on public. drizzle-kit writes \"public\". before the default schema's names in foreign keys, enums and views: " +
      'pass { unqualifyPublic: true } (CLI: --unqualify-public) to drop those qualifiers so the names resolve in the tenant\'s schema, or remove "public". from the file.',
  });
}

/** The qualified name at `start`, for messages. */
function excerpt(text: string, start: number): string {
  return text.slice(start).split(/[\s(;,]/, 1)[0]!.slice(0, 80);
}

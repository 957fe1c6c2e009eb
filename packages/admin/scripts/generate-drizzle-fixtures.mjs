#!/usr/bin/env node
/*
 * Regenerates the drizzle-kit fixtures of sql-folder-migrations.test.ts with
 * the real drizzle-kit (this package's devDependency). No database needed:
 *
 *   cd packages/admin && node scripts/generate-drizzle-fixtures.mjs
 *
 * fixtures/sql-migrations/drizzle/v1: `drizzle-kit generate` of schema/v1.ts
 *   (0000_init).
 * fixtures/sql-migrations/drizzle/v2: the same folder after two more steps, as
 *   a project's folder grows: `generate` of schema/v2.ts (0001_comments_and_email),
 *   then `generate --custom` (0002_post_count_function) with SQL appended
 *   below drizzle-kit's comment, as its users write custom migrations.
 *
 * The committed files were made by drizzle-kit 0.31.11 with drizzle-orm 0.45.4.
 * Tags are fixed with --name; the journal's "when" times change on each run.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const fixtures = join(pkg, 'fixtures', 'sql-migrations', 'drizzle');
const drizzleKit = join(pkg, 'node_modules', '.bin', 'drizzle-kit');
const version = JSON.parse(readFileSync(join(pkg, 'node_modules', 'drizzle-kit', 'package.json'), 'utf8')).version;

const work = mkdtempSync(join(tmpdir(), 'drizzle-fixtures-'));
// drizzle-kit 0.31 writes its snapshots under './' + out: an absolute out breaks, a relative one works.
const out = relative(pkg, join(work, 'drizzle'));
const generate = (...args) =>
  execFileSync(drizzleKit, ['generate', '--dialect', 'postgresql', '--out', out, ...args], { cwd: pkg, stdio: ['ignore', 'inherit', 'inherit'] });

try {
  generate('--schema', 'fixtures/sql-migrations/drizzle/schema/v1.ts', '--name', 'init');
  replace(join(work, 'drizzle'), join(fixtures, 'v1'));

  generate('--schema', 'fixtures/sql-migrations/drizzle/schema/v2.ts', '--name', 'comments_and_email');
  generate('--schema', 'fixtures/sql-migrations/drizzle/schema/v2.ts', '--custom', '--name', 'post_count_function');
  appendFileSync(
    join(work, 'drizzle', '0002_post_count_function.sql'),
    '\nCREATE FUNCTION "post_count"(author integer) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM posts WHERE user_id = author $$;' +
      '--> statement-breakpoint\n' +
      "COMMENT ON VIEW \"post_counts\" IS 'posts per user (see public.docs)';\n",
  );
  replace(join(work, 'drizzle'), join(fixtures, 'v2'));
  console.log(`Generated ${relative(pkg, fixtures)}/v1 and v2 with drizzle-kit ${version}; update the version in this script's comment if it changed.`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

function replace(from, to) {
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
}

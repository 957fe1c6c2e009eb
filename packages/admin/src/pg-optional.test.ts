import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/*
 * pg is an optional peer: an application on MariaDB/MySQL need not install it.
 * Proven structurally, in a child process where `pg` cannot be loaded at all
 * (an ESM resolve hook and a CommonJS loader patch both refuse it): importing
 * @tenantry/admin and running a mysql:// admin work; a PostgreSQL admin says
 * which package to install.
 */
describe('pg is loaded only by a PostgreSQL admin', () => {
  it('imports, and makes a MySQL-family admin, in a process where pg cannot be loaded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tenantry-no-pg-'));
    try {
      await writeFile(
        join(dir, 'hooks.mjs'),
        `export async function resolve(specifier, context, next) {
  if (specifier === 'pg') { const e = new Error("Cannot find package 'pg'"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; }
  return next(specifier, context);
}\n`,
      );
      await writeFile(
        join(dir, 'no-pg.mjs'),
        `import { register, createRequire } from 'node:module';
register(new URL('./hooks.mjs', import.meta.url));
const Module = createRequire(import.meta.url)('module');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'pg') { const e = new Error("Cannot find module 'pg'"); e.code = 'MODULE_NOT_FOUND'; throw e; }
  return load.call(this, request, ...rest);
};\n`,
      );
      // The package as an application imports it: its build (the test script builds it first).
      const admin = fileURLToPath(new URL('../dist/index.js', import.meta.url));
      const script = `
const { DatabaseAdmin } = await import(${JSON.stringify(admin)});
const mysql = new DatabaseAdmin('mysql://root@127.0.0.1:3306/');
console.log('mysql', mysql.dialectName);
try { new DatabaseAdmin('postgresql://u:p@127.0.0.1:5432/app'); console.log('postgres made'); }
catch (error) { console.log('postgres', error.name, error.message); }
`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', join(dir, 'no-pg.mjs'), '--input-type=module', '-e', script]);
      expect(stdout).toContain('mysql mysql');
      expect(stdout).toMatch(/postgres ValidationError .*needs the pg package: install it/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

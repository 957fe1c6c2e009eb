import { inspect } from 'node:util';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '@tenantry/core';
import { formatPlan } from '../../plan.js';
import { parseTenantNames, parseTenantSpec } from '../tenant-spec.js';
import {
  CACHING_SHA2_HASH,
  MysqlDialect,
  cachingSha2PasswordHash,
  compileMysqlDdl,
  mysqlNativePasswordHash,
  mysqlTenantConnectionString,
  sha256CryptHash,
} from './index.js';

const fixedSalt = Buffer.from('saltstringsaltstring', 'latin1');

/** A create spec as `DatabaseAdmin` parses it. */
function createSpec(dialect: MysqlDialect, schemaName: string, username: string, passwordSecret: string) {
  return { tenant: parseTenantSpec({ schemaName, username }, dialect), passwordSecret, requirePreparedDatabase: true };
}

describe('password secrets', () => {
  it('mysql_native_password: * + upper hex of SHA1(SHA1(pw)) (vector measured on MariaDB 10.11, docs/dialects/mysql-facts.md)', () => {
    expect(mysqlNativePasswordHash('password')).toBe('*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19');
  });

  // my_crypt_genhash (mysql-server mysys/crypt_genhash_impl.cc, read through the search tool) is
  // Drepper's SHA-crypt reference code; these are that specification's own vectors, which the
  // MySQL code reproduces (salt <= 16 bytes, where glibc and MySQL agree), plus one from
  // `openssl passwd -5 -salt abcdefghijklmnop pw` run on this machine.
  it.each([
    ['Hello world!', 'saltstring', 5000, '5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5'],
    ['Hello world!', 'saltstringsaltst', 10000, '3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA'],
    ['This is just a test', 'toolongsaltstrin', 5000, 'Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5'],
    ['pw', 'abcdefghijklmnop', 5000, 'gu.71QnGu.GrGbdJF.mj20x/mWJF1VliZRmeYNpAtDB'],
  ])('SHA-256-crypt of %j with salt %j, %i rounds', (password, salt, rounds, expected) => {
    expect(sha256CryptHash(Buffer.from(password), Buffer.from(salt), rounds)).toBe(expected);
  });

  it('caching_sha2_password (MySQL 8, on paper): $A$005$ + the 20-byte salt + the digest of all 20 salt bytes', () => {
    const hash = cachingSha2PasswordHash('Hello world!', fixedSalt);
    expect(hash).toMatch(CACHING_SHA2_HASH);
    expect(hash.slice(0, 27)).toBe('$A$005$saltstringsaltstring');
    expect(hash.slice(27)).toBe(sha256CryptHash(Buffer.from('Hello world!'), fixedSalt, 5000));
    // MySQL keeps 20 salt bytes where glibc keeps 16: the digest differs from the 16-byte one.
    expect(hash.slice(27)).not.toBe('3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA');
    expect(cachingSha2PasswordHash('x')).toMatch(CACHING_SHA2_HASH);
  });
});

describe('name rules', () => {
  const mariadb = new MysqlDialect({ flavor: 'mariadb' }).rules;
  const mysql = new MysqlDialect({ flavor: 'mysql' }).rules;
  const refused = (work: () => unknown) => {
    try {
      work();
    } catch (error) {
      return (error as ValidationError).rule;
    }
    return 'accepted';
  };

  it('database: 1 to 64 characters, and 64 once _ and % are escaped for GRANT', () => {
    expect(mariadb.validateSchemaName('a'.repeat(64))).toHaveLength(64);
    expect(refused(() => mariadb.validateSchemaName('a'.repeat(65)))).toBe('too-long');
    expect(mariadb.validateSchemaName(`${'a'.repeat(48)}${'_'.repeat(8)}`)).toHaveLength(56); // 56 + 8 escapes = 64
    expect(refused(() => mariadb.validateSchemaName(`${'a'.repeat(47)}${'_'.repeat(9)}`))).toBe('too-long'); // 56 + 9 = 65
    expect(refused(() => mariadb.validateSchemaName(''))).toBe('empty');
    expect(refused(() => mariadb.validateSchemaName('trailing '))).toBe('surrounding-whitespace');
    expect(refused(() => mariadb.validateSchemaName('a\nb'))).toBe('control-character');
    expect(refused(() => mariadb.validateSchemaName('a\\b'))).toBe('type');
    expect(refused(() => mariadb.validateSchemaName('Acme'))).toBe('type');
    expect(mariadb.validateSchemaName('é-ü.x/y`z')).toBe('é-ü.x/y`z');
  });

  it('database: system databases and the registry are refused, whatever the case', () => {
    for (const name of ['mysql', 'information_schema', 'performance_schema', 'sys', 'tenantry']) {
      expect(refused(() => mariadb.validateSchemaName(name))).toBe('reserved-name');
    }
    expect(refused(() => new MysqlDialect({ registryDatabase: 'reg' }).rules.validateSchemaName('reg'))).toBe('reserved-name');
  });

  it('user: 128 characters on MariaDB, 32 on MySQL 8; never empty (the anonymous account) or a server account', () => {
    expect(mariadb.validateUsername('u'.repeat(128))).toHaveLength(128);
    expect(refused(() => mariadb.validateUsername('u'.repeat(129)))).toBe('too-long');
    expect(mysql.validateUsername('u'.repeat(32))).toHaveLength(32);
    expect(refused(() => mysql.validateUsername('u'.repeat(33)))).toBe('too-long');
    expect(refused(() => mariadb.validateUsername(''))).toBe('empty');
    expect(refused(() => mariadb.validateUsername('ROOT'))).toBe('reserved-name');
    expect(refused(() => mariadb.validateUsername('mariadb.sys'))).toBe('reserved-name');
    expect(mariadb.validateUsername('Mixed_Case')).toBe('Mixed_Case');
  });
});

describe('quoting', () => {
  it('doubles backticks and quotes, and refuses a backslash in a literal (its meaning depends on sql_mode)', () => {
    expect(compileMysqlDdl(sql`SELECT ${sql.lit("it's")} FROM ${sql.id('a`b')}`)).toBe("SELECT 'it''s' FROM `a``b`");
    expect(() => compileMysqlDdl(sql`SELECT ${sql.lit('a\\b')}`)).toThrow(/backslash/);
  });
});

describe('generated SQL, golden', () => {
  const secretFor = async (dialect: MysqlDialect) => (dialect.flavor === 'mariadb' ? mysqlNativePasswordHash('pw') : cachingSha2PasswordHash('pw', fixedSalt));

  it.each(['mariadb', 'mysql'] as const)('create (%s; mysql is golden on paper only: MySQL 8 was not run)', async (flavor) => {
    const dialect = new MysqlDialect({ flavor });
    const secret = await secretFor(dialect);
    const plan = dialect.planCreateTenant(createSpec(dialect, 't_1', 'u1', secret));
    expect(plan.atomicity).toBe('compensation');
    const text = plan.statements.map((s) => s.text);
    const identified = flavor === 'mariadb' ? "IDENTIFIED BY PASSWORD '<redacted>'" : "IDENTIFIED WITH caching_sha2_password AS '<redacted>'";
    // The steps that make the tenant, then the two lock releases of `finally`.
    expect(text.slice(-9, -2)).toEqual([
      "INSERT INTO `tenantry`.`tenants` (schema_name, username, host, state) VALUES ('t_1', 'u1', '%', 'creating')",
      `CREATE USER \`u1\`@\`%\` ${identified} ACCOUNT LOCK`,
      'CREATE DATABASE `t_1`',
      'GRANT ALL PRIVILEGES ON `t\\_1`.* TO `u1`@`%`',
      "UPDATE `tenantry`.`tenants` SET state = 'unlocking' WHERE schema_name = 't_1' AND username = 'u1'",
      'ALTER USER `u1`@`%` ACCOUNT UNLOCK',
      "UPDATE `tenantry`.`tenants` SET state = 'active' WHERE schema_name = 't_1' AND username = 'u1'",
    ]);
    const createUser = plan.statements.find((s) => s.text.startsWith('CREATE USER'))!;
    expect(createUser.text).toBe(`CREATE USER \`u1\`@\`%\` ${identified} ACCOUNT LOCK`);
    expect(createUser.sql).toBe(
      flavor === 'mariadb'
        ? `CREATE USER \`u1\`@\`%\` IDENTIFIED BY PASSWORD '${secret}' ACCOUNT LOCK`
        : `CREATE USER \`u1\`@\`%\` IDENTIFIED WITH caching_sha2_password AS 0x${Buffer.from(secret, 'latin1').toString('hex').toUpperCase()} ACCOUNT LOCK`,
    );
    expect(plan.finally.map((s) => s.text)).toEqual([expect.stringMatching(/^DO RELEASE_LOCK\('tenantry:[0-9a-f]{40}'\)$/), expect.stringMatching(/^DO RELEASE_LOCK\('tenantry:[0-9a-f]{40}'\)$/)]);
    const accounts = flavor === 'mariadb' ? '`mysql`.`global_priv`' : '`mysql`.`user`';
    const checks = plan.steps.flatMap((step) => (step.kind === 'check' ? [step.query.sql] : []));
    expect(checks.slice(0, 2)).toEqual(['SELECT GET_LOCK(?, ?) AS got', 'SELECT GET_LOCK(?, ?) AS got']);
    expect(checks[2]).toContain(`FROM ${accounts} a WHERE a.User = ?`);
  });

  it.each(['mariadb', 'mysql'] as const)('remove and rotate (%s; mysql on paper only)', async (flavor) => {
    const dialect = new MysqlDialect({ flavor, tenantHost: '10.0.0.%' });
    const remove = dialect.planRemoveTenant({ ...parseTenantNames({ schemaName: 'acme', username: 'acme' }, dialect.rules), dropOwnedInOtherDatabases: false }).statements.map((s) => s.text);
    expect(remove).toContain("ALTER USER IF EXISTS `acme`@`10.0.0.%` ACCOUNT LOCK");
    expect(remove.includes('KILL CONNECTION USER `acme`@`10.0.0.%`')).toBe(flavor === 'mariadb');
    expect(remove.slice(-5, -2)).toEqual([
      'DROP DATABASE IF EXISTS `acme`',
      'DROP USER IF EXISTS `acme`@`10.0.0.%`',
      "DELETE FROM `tenantry`.`tenants` WHERE schema_name = 'acme' AND username = 'acme'",
    ]);
    const rotate = dialect.planRotatePassword({ ...parseTenantNames({ schemaName: 'acme', username: 'acme' }, dialect.rules), passwordSecret: await secretFor(dialect), terminateSessions: false });
    expect(rotate.statements.map((s) => s.text)).toContain(
      flavor === 'mariadb' ? "ALTER USER `acme`@`10.0.0.%` IDENTIFIED BY PASSWORD '<redacted>'" : "ALTER USER `acme`@`10.0.0.%` IDENTIFIED WITH caching_sha2_password AS '<redacted>'",
    );
  });

  it('redacts the hash in every printable form, and refuses a plaintext password', async () => {
    const dialect = new MysqlDialect();
    const secret = mysqlNativePasswordHash('pw');
    const plan = dialect.planCreateTenant(createSpec(dialect, 'acme', 'acme', secret));
    for (const printed of [formatPlan(plan), JSON.stringify(plan), inspect(plan, { depth: 10 }), JSON.stringify(plan.statements)]) {
      expect(printed).not.toContain(secret.slice(1));
    }
    expect(plan.statements.some((s) => s.sql.includes(secret))).toBe(true);
    expect(() => dialect.planCreateTenant(createSpec(dialect, 'acme', 'acme', 'plaintext'))).toThrow(ValidationError);
    expect(() => new MysqlDialect({ flavor: 'mysql' }).planCreateTenant(createSpec(new MysqlDialect({ flavor: 'mysql' }), 'acme', 'acme', secret))).toThrow(ValidationError);
  });
});

describe('tenant connection string', () => {
  it('percent-encodes user, password and database, keeps host and port, drops the admin URL parameters', () => {
    const dialect = new MysqlDialect();
    const url = dialect.tenantConnectionString('mariadb://admin:s3cret@db.example:3307/app?ssl=1&password=x', { username: 'a@b:c', password: 'p/w?#%', database: 'é x' });
    expect(url).toBe('mysql://a%40b%3Ac:p%2Fw%3F%23%25@db.example:3307/%C3%A9%20x');
    const parsed = new URL(url);
    expect([decodeURIComponent(parsed.username), decodeURIComponent(parsed.password), decodeURIComponent(parsed.pathname.slice(1))]).toEqual(['a@b:c', 'p/w?#%', 'é x']);
    expect(mysqlTenantConnectionString({ host: '::1', port: 3306 }, { username: 'u', password: 'p', database: 'd' })).toBe('mysql://u:p@[::1]:3306/d');
    expect(() => dialect.tenantConnectionString('postgres://a:b@h/d', { username: 'u', password: 'p', database: 'd' })).toThrow(ValidationError);
  });
});

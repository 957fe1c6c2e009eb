import { describe, expect, it } from 'vitest';
import { createDialect, dialectForUrl, dialectNameForUrl, type DialectName } from './dialect-registry.js';

describe('the dialect registry', () => {
  it('builds each registered dialect by name, with its options', () => {
    expect(createDialect('postgres').name).toBe('postgres');
    expect(createDialect('postgres').client).toBe('pg');
    const mysql = createDialect('mysql', { mysql: { registryDatabase: 'tenantry_registry' } });
    expect([mysql.name, mysql.client]).toEqual(['mysql', 'mysql2']);
    expect(() => createDialect('oracle' as DialectName)).toThrow(/Unknown dialect "oracle": expected one of postgres, mysql/);
  });

  it('picks the dialect from the URL scheme, in any case', () => {
    expect(dialectNameForUrl('postgres://a@h/db')).toBe('postgres');
    expect(dialectNameForUrl('PostgreSQL://a@h/db')).toBe('postgres');
    expect(dialectNameForUrl('mysql://a@h/db')).toBe('mysql');
    expect(dialectNameForUrl('MariaDB://a@h/db')).toBe('mysql');
    expect(dialectNameForUrl('host=h dbname=db')).toBeUndefined();
    expect(dialectForUrl('mariadb://root@127.0.0.1/db')?.name).toBe('mysql');
    expect(dialectForUrl('sqlite://x')).toBeUndefined();
  });

  it('gives each dialect the creation options it can promise, and no more', () => {
    expect([...createDialect('postgres').creationOptions].sort()).toEqual(['connectionLimit', 'grantTo', 'labels', 'memberOf', 'settings', 'validUntil']);
    expect([...createDialect('mysql').creationOptions]).toEqual([]);
  });

  it("gives each dialect's own URL forms: where the admin connects, and what a tenant gets", () => {
    const postgres = createDialect('postgres');
    expect(postgres.adminConnection('postgresql://app%20admin:p%40ss@db:5433/app')).toEqual({ host: 'db', port: 5433, user: 'app admin', password: 'p@ss', database: 'app' });
    expect(postgres.tenantConnectionString('postgresql://admin:x@db/app?sslmode=verify-full', { username: 'a@b', password: 'p/w', database: 'ignored' })).toBe(
      'postgresql://a%40b:p%2Fw@db/app?sslmode=verify-full',
    );
    const mysql = createDialect('mysql');
    expect(mysql.adminConnection('mariadb://root:@127.0.0.1/app')).toEqual({ host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'app' });
    expect(mysql.tenantConnectionString('mariadb://root:@127.0.0.1/app', { username: 'acme', password: 'p/w', database: 'acme' })).toBe('mysql://acme:p%2Fw@127.0.0.1:3306/acme');
  });
});

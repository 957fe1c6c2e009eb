import pg from 'pg';
import { parse } from 'pg-connection-string';
import { describe, expect, it } from 'vitest';
import { ConnectionError } from '@tenantry/core';
import { adminConfigForDatabase } from './pg-driver-pool.js';

/** A pool that is never connected: only its options are read. */
const poolOf = (config: pg.PoolConfig) => new pg.Pool(config);

describe('adminConfigForDatabase', () => {
  it('replaces only the database of a URL: credentials, hosts and parameters are kept, as pg reads them', () => {
    const url = 'postgresql://app%20admin:p%40ss%2Fw@db1:5433/app?sslmode=disable&application_name=tenantry&host=/var/run/postgresql';
    for (const database of ['postgres', 'reports 2024', 'a/b:c@d', 'ünïcode', '50%']) {
      const config = adminConfigForDatabase(poolOf({ connectionString: url, connectionTimeoutMillis: 1234 }), database);
      const parsed = parse(config.connectionString!);
      expect(parsed).toMatchObject({ database, user: 'app admin', password: 'p@ss/w', host: '/var/run/postgresql', port: '5433', sslmode: 'disable', application_name: 'tenantry' });
      expect(config.connectionTimeoutMillis).toBe(1234);
    }
    expect(parse(adminConfigForDatabase(poolOf({ connectionString: 'postgres://u:p@h' }), 'postgres').connectionString!).database).toBe('postgres');
  });

  it('sets the database of a pg config, keeping the rest', () => {
    const config = adminConfigForDatabase(poolOf({ host: 'h', port: 6543, user: 'u', password: 'p', database: 'app', ssl: { rejectUnauthorized: true } }), 'postgres');
    expect(config).toMatchObject({ host: 'h', port: 6543, user: 'u', database: 'postgres', ssl: { rejectUnauthorized: true } });
    // pg-pool hides the password from enumeration; it must still reach the new connection, hidden the same way.
    expect(config.password).toBe('p');
    expect(Object.keys(config)).not.toContain('password');
  });

  it('refuses a connection string it cannot point elsewhere, without echoing it', () => {
    const call = () => adminConfigForDatabase(poolOf({ connectionString: 'host=h password=secret' }), 'postgres');
    expect(call).toThrow(ConnectionError);
    expect(call).not.toThrow(/secret/);
  });
});

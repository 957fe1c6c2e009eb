import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConnectionError, DatabaseError, PermissionError, TenantAlreadyExistsError } from '@tenantry/core';
import { mapPostgresError as mapDatabaseError } from './postgres-error-mapping.js';

// Pure mapping rules; the same paths are also reached against a real server in the other suites.
describe('mapDatabaseError', () => {
  const context = { action: 'create tenant "t"', schemaName: 't', username: 'u', database: 'app', adminRole: 'admin' };

  it('keeps neither the message secrets nor the cause of an error that did not come from the server', () => {
    const mapped = mapDatabaseError(new Error('boom at postgresql://admin:S3cretPw@db:5432/app'), context);
    expect(mapped).toBeInstanceOf(DatabaseError);
    expect(mapped.cause).toBeUndefined();
    expect(inspect(mapped, { depth: 10 })).not.toContain('S3cretPw');
    expect(mapped.message).toContain('postgresql://admin:***@db:5432/app');
  });

  it('keeps server errors whole, typed by SQLSTATE', () => {
    const server = Object.assign(new Error('permission denied to create role'), { code: '42501', severity: 'ERROR' });
    const mapped = mapDatabaseError(server, context);
    expect(mapped).toBeInstanceOf(PermissionError);
    expect(mapped).toMatchObject({ privilege: 'CREATEROLE', sqlState: '42501' });
    expect(mapDatabaseError(Object.assign(new Error('dup'), { code: '42P06', severity: 'ERROR' }), context)).toBeInstanceOf(
      TenantAlreadyExistsError,
    );
    expect(mapDatabaseError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), context)).toBeInstanceOf(
      ConnectionError,
    );
  });
});

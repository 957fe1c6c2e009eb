import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConnectionError, DatabaseError, PermissionError, TenantAlreadyExistsError, TenantRemovalBlockedError } from '@tenantry/core';
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

  it("reads a remove plan's server-side refusal from its DETAIL: the client-side checks' error, or a plain one when they would pass", () => {
    const refusal = (detail: object) => Object.assign(new Error('tenant t may not be removed as planned'), { code: 'TRY10', severity: 'ERROR', detail: JSON.stringify(detail) });
    const whole = {
      schema_exists: true,
      schema_comment: 'tenantry:{"v":1,"role":"u","createdAt":"2026-01-01T00:00:00.000Z"}',
      role_exists: true,
      role_comment: 'tenantry:{"v":1,"schema":"t","database":"app"}',
      can_drop_schema: true,
      can_drop_role: false,
    };
    const denied = mapDatabaseError(refusal({ state: whole }), context);
    expect(denied).toBeInstanceOf(PermissionError);
    expect(denied.message).toBe(
      'Cannot remove tenant "t": the admin role "admin" lacks ADMIN OPTION on role "u" (PostgreSQL 16+; CREATEROLE before). Remove it as the admin that created it, or as a superuser. Nothing was changed.',
    );
    const removable = { ...whole, can_drop_role: true };
    const stages = mapDatabaseError(refusal({ state: removable, size: { schema_comment: whole.schema_comment, estimated_locks: 9000, lock_budget: 1600 } }), context);
    expect(stages).toMatchObject({ sqlState: 'TRY09', message: `Tenant "t" needs about 9000 locks to drop, over one transaction's budget of 1600: remove it in stages.` });
    const blocked = mapDatabaseError(refusal({ state: removable, elsewhere: [{ database: 'other', catalog: 'pg_largeobject', deptype: 'o', objects: 2 }] }), context);
    expect(blocked).toBeInstanceOf(TenantRemovalBlockedError);
    expect(blocked).toMatchObject({ schemaName: 't', username: 'u', blockers: [{ database: 'other', count: 2, described: false }] });
    const unexplained = mapDatabaseError(refusal({ state: removable }), context);
    expect(unexplained).toBeInstanceOf(DatabaseError);
    expect(unexplained).toMatchObject({ sqlState: 'TRY10' });
  });
});

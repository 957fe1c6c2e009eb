import { describe, expect, it } from 'vitest';
import { PermissionError, TenantNotManagedError, TenantRemovalBlockedError } from '@tenantry/core';
import { removalCheckStep } from './postgres-removal-check.js';

// The rules on the check's row; against a real server in the admin suites (remove-tenant-round-trips, remove-tenant-large).
describe('removalCheckStep', () => {
  const tenant = { schemaName: 't', username: 'u', database: 'app', adminRole: 'admin' };
  const whole = {
    schema_exists: true,
    schema_comment: 'tenantry:{"v":1,"role":"u","createdAt":"2026-01-01T00:00:00.000Z"}',
    role_exists: true,
    role_comment: 'tenantry:{"v":1,"schema":"t","database":"app"}',
    can_drop_schema: true,
    can_drop_role: true,
    estimated_locks: 12,
    lock_budget: 1600,
    elsewhere: null,
  };
  const step = removalCheckStep(tenant, { stageWhenLarge: true, nothingElsewhere: true, roleGrantOptions: true });
  const verdict = (row: object) => {
    try {
      step.verify([row]);
      return undefined;
    } catch (error) {
      return error;
    }
  };

  it('is plain SQL, the names written as escaped literals', () => {
    expect(step.query.parameters).toEqual([]);
    expect(step.statement?.sql).toBe(step.query.sql);
    expect(removalCheckStep({ ...tenant, schemaName: "it's" }, { stageWhenLarge: false, nothingElsewhere: false, roleGrantOptions: false }).query.sql).toContain(`'it''s'`);
  });

  it("passes a whole tenant, and refuses with the client-side checks' errors and words", () => {
    expect(verdict(whole)).toBeUndefined();
    const denied = verdict({ ...whole, can_drop_role: false });
    expect(denied).toBeInstanceOf(PermissionError);
    expect((denied as Error).message).toBe(
      'Cannot remove tenant "t": the admin role "admin" lacks ADMIN OPTION on role "u" (PostgreSQL 16+; CREATEROLE before). Remove it as the admin that created it, or as a superuser. Nothing was changed.',
    );
    expect(verdict({ ...whole, role_comment: 'tenantry:{"v":1,"schema":"t","database":"elsewhere"}' })).toBeInstanceOf(TenantNotManagedError);
    expect(verdict({ ...whole, estimated_locks: 9000 })).toMatchObject({ sqlState: 'TRY09', message: `Tenant "t" needs about 9000 locks to drop, over one transaction's budget of 1600: remove it in stages.` });
    const removing = 'tenantry:{"v":1,"role":"u","createdAt":"2026-01-01T00:00:00.000Z","removing":{"since":"2026-01-02T00:00:00.000Z","by":"admin"}}';
    expect(verdict({ ...whole, schema_comment: removing })).toMatchObject({ sqlState: 'TRY09', message: 'Tenant "t" is being removed in stages; resume it in stages.' });
    const blocked = verdict({ ...whole, elsewhere: [{ database: 'other', catalog: 'pg_largeobject', deptype: 'o', objects: 2 }] });
    expect(blocked).toBeInstanceOf(TenantRemovalBlockedError);
    expect(blocked).toMatchObject({ schemaName: 't', username: 'u', blockers: [{ database: 'other', count: 2, described: false }] });
  });

  it('leaves out what it was not asked to look at', () => {
    const plain = removalCheckStep(tenant, { stageWhenLarge: false, nothingElsewhere: false, roleGrantOptions: true });
    expect(plain.query.sql).not.toContain('pg_shdepend');
    expect(plain.query.sql).not.toContain('pg_depend');
    expect(() => plain.verify([{ ...whole, estimated_locks: undefined, lock_budget: undefined, elsewhere: undefined }])).not.toThrow();
  });
});

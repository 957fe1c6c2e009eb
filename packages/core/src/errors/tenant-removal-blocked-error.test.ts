import { describe, expect, it } from 'vitest';
import { TenantRemovalBlockedError, TenantryError } from './index.js';

describe('TenantRemovalBlockedError', () => {
  const blockers = [
    { database: 'postgres', objects: ['large object 16386', 'default privileges on new relations belonging to role acme'], count: 3, described: true },
    { database: 'reports', objects: ['1 in pg_largeobject (owned)'], count: 1, described: false },
  ];

  it('has a stable code, names each database, its objects and the option that fixes it', () => {
    const error = new TenantRemovalBlockedError({ schemaName: 'tenant_acme', username: 'acme', database: 'app', blockers });
    expect(TenantryError.isInstance(error)).toBe(true);
    expect(error.code).toBe('TENANT_REMOVAL_BLOCKED');
    expect(error.name).toBe('TenantRemovalBlockedError');
    expect(error.blockers).toEqual(blockers);
    expect(error.message).toContain('database "postgres": large object 16386; default privileges on new relations belonging to role acme; and 1 more');
    expect(error.message).toContain('database "reports": 1 in pg_largeobject (owned) (not described: the admin could not connect there)');
    expect(error.message).toContain('Nothing was changed');
    expect(error.message).toContain('dropOwnedInOtherDatabases: true');
    expect(error.message).toContain('--drop-owned-in-other-databases');
  });

  it('escapes control and bidirectional characters a tenant may put in object names', () => {
    const error = new TenantRemovalBlockedError({
      schemaName: 't',
      username: 'u',
      database: 'app',
      blockers: [{ database: 'db\n', objects: ['table public."\u001b[2Jx\u202e"'], count: 1, described: true }],
    });
    expect(error.message).not.toMatch(/[\u0000-\u001f\u202e]/u);
    expect(error.message).toContain('database "db\\u000a": table public."\\u001b[2Jx\\u202e"');
  });
});

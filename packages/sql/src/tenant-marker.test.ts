import { describe, expect, it } from 'vitest';
import { decodeCredentialMarker, decodeRoleMarker, encodeMarker } from './tenant-marker.js';

describe('role markers', () => {
  it('keep a suspension and the migrations ledger, in whatever key order the server writes them', () => {
    // As jsonb prints a patched marker: keys reordered, spaces after separators.
    const patched = 'tenantry:{"v": 1, "schema": "tenant_acme", "database": "app", "suspended": {"by": "admin", "since": "2026-01-02T03:04:05.000Z"}, "migrations": {"last": "002", "count": 2}}';
    expect(decodeRoleMarker(patched)).toEqual({
      v: 1,
      schema: 'tenant_acme',
      database: 'app',
      migrations: { last: '002', count: 2 },
      suspended: { by: 'admin', since: '2026-01-02T03:04:05.000Z' },
    });
    expect(decodeRoleMarker(encodeMarker({ v: 1, schema: 's', database: 'd', suspended: { by: 5 } as never }))).toEqual({ v: 1, schema: 's', database: 'd' });
  });

  it("tell a credential's marker from a tenant role's", () => {
    const credential = encodeMarker({ v: 1, credentialFor: 'acme_user', schema: 'tenant_acme', database: 'app', createdAt: '2026-01-02T03:04:05.000Z' });
    expect(decodeRoleMarker(credential)).toBeUndefined();
    expect(decodeCredentialMarker(credential)).toEqual({ v: 1, credentialFor: 'acme_user', schema: 'tenant_acme', database: 'app', createdAt: '2026-01-02T03:04:05.000Z' });
    expect(decodeCredentialMarker(encodeMarker({ v: 1, schema: 'tenant_acme', database: 'app' }))).toBeUndefined();
    expect(decodeCredentialMarker('tenantry:{not json')).toBeUndefined();
  });
});

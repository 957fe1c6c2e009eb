import { describe, expect, it } from 'vitest';
import { decodeCredentialMarker, decodeMigratorMarker, decodeRoleMarker, decodeSchemaMarker, encodeMarker, MARKER_PREFIX, rewriteMarker } from './tenant-marker.js';

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


describe('rewriteMarker', () => {
  it('changes the fields given and keeps every other one, unknown ones included', () => {
    const comment = `${MARKER_PREFIX}{"v":1,"role":"acme","createdAt":"2026-01-01T00:00:00.000Z","labels":{"tier":"gold"},"future":{"x":[1,2]}}`;
    const rewritten = rewriteMarker(comment, { role: 'acme_corp', removing: { since: '2026-02-01T00:00:00.000Z', by: 'admin' } });
    expect(JSON.parse(rewritten!.slice(MARKER_PREFIX.length))).toEqual({
      v: 1,
      role: 'acme_corp',
      createdAt: '2026-01-01T00:00:00.000Z',
      labels: { tier: 'gold' },
      future: { x: [1, 2] },
      removing: { since: '2026-02-01T00:00:00.000Z', by: 'admin' },
    });
  });

  it('removes a field set to undefined, and is undefined for a comment that is not a marker', () => {
    const comment = `${MARKER_PREFIX}{"v":1,"role":"acme","createdAt":"x","removing":{"since":"s","by":"b"}}`;
    expect(rewriteMarker(comment, { removing: undefined })).toBe(`${MARKER_PREFIX}{"v":1,"role":"acme","createdAt":"x"}`);
    expect(rewriteMarker('hand-written', { role: 'x' })).toBeUndefined();
    expect(rewriteMarker(`${MARKER_PREFIX}not json`, { role: 'x' })).toBeUndefined();
  });
});

describe('decodeSchemaMarker', () => {
  it('reads a removal mark, and ignores a malformed one', () => {
    const base = '"v":1,"role":"acme","createdAt":"2026-01-01T00:00:00.000Z"';
    expect(decodeSchemaMarker(`${MARKER_PREFIX}{${base},"removing":{"since":"2026-02-01T00:00:00.000Z","by":"admin"}}`)?.removing).toEqual({ since: '2026-02-01T00:00:00.000Z', by: 'admin' });
    expect(decodeSchemaMarker(`${MARKER_PREFIX}{${base},"removing":{"since":5}}`)?.removing).toBeUndefined();
    expect(decodeSchemaMarker(`${MARKER_PREFIX}{${base}}`)?.removing).toBeUndefined();
  });
});

describe('decodeMigratorMarker', () => {
  it("reads a migrator login's marker and nothing else", () => {
    expect(decodeMigratorMarker(`${MARKER_PREFIX}{"v":1,"migratorFor":"acme"}`)).toEqual({ migratorFor: 'acme' });
    expect(decodeMigratorMarker(`${MARKER_PREFIX}{"v":1,"schema":"s","database":"d"}`)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { ValidationError } from '@tenantry/core';
import { createDialect } from './dialect-registry.js';
import { parseTenantNames, parseTenantSpec } from './tenant-spec.js';

describe('the parsed tenant spec', () => {
  const postgres = createDialect('postgres');
  const mysql = createDialect('mysql');

  it("checks names by the dialect's own rules", () => {
    expect(parseTenantNames({ schemaName: 'tenant_acme', username: 'acme_user' }, postgres.rules)).toEqual({ schemaName: 'tenant_acme', username: 'acme_user' });
    // PostgreSQL reserves pg_* schemas; MySQL reserves its system databases.
    expect(() => parseTenantNames({ schemaName: 'pg_x', username: 'u' }, postgres.rules)).toThrow(ValidationError);
    expect(() => parseTenantNames({ schemaName: 'mysql', username: 'u' }, mysql.rules)).toThrow(ValidationError);
    expect(() => parseTenantNames(null, postgres.rules)).toThrow(/A tenant is given as \{ schemaName, username \}/);
  });

  it('checks creation options once and freezes the result', () => {
    const spec = parseTenantSpec({ schemaName: 's', username: 'u', connectionLimit: 3, labels: { tier: 'gold' } }, postgres);
    expect(spec.options).toMatchObject({ connectionLimit: 3, labels: { tier: 'gold' }, memberOf: [], settings: {} });
    expect(Object.isFrozen(spec)).toBe(true);
    expect(Object.isFrozen(spec.options)).toBe(true);
    expect(() => parseTenantSpec({ schemaName: 's', username: 'u', settings: { 'x = 1; DROP': 'y' } }, postgres)).toThrow(ValidationError);
  });

  it('refuses, naming the dialect, an option the dialect does not have; empty ones pass', () => {
    const refused = (() => {
      try {
        parseTenantSpec({ schemaName: 's', username: 'u', labels: { tier: 'gold' } }, mysql);
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused).toMatchObject({ field: 'labels', rule: 'unsupported-by-dialect' });
    expect((refused as Error).message).toContain('the mysql dialect has no labels');
    expect(parseTenantSpec({ schemaName: 's', username: 'u', labels: {}, memberOf: [] }, mysql).options.labels).toEqual({});
  });
});

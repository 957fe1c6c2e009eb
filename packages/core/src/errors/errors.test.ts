import { describe, expect, it } from 'vitest';
import {
  ConnectionError,
  DatabaseNotPreparedError,
  PermissionError,
  TenantAlreadyExistsError,
  TenantryError,
  ValidationError,
} from './index.js';

describe('error classes', () => {
  it('carry a stable code, a name, the SQLSTATE and the cause', () => {
    const cause = new Error('underlying');
    const error = new TenantAlreadyExistsError({ objectKind: 'role', objectName: 'acme', sqlState: '42710', cause });
    expect(error).toBeInstanceOf(TenantryError);
    expect(error.code).toBe('TENANT_ALREADY_EXISTS');
    expect(error.name).toBe('TenantAlreadyExistsError');
    expect(error.sqlState).toBe('42710');
    expect(error.cause).toBe(cause);
    expect(error.message).toMatch(/role named "acme" already exists/);
  });

  it('are recognised across package copies by their marker, not by instanceof', () => {
    const error = new ConnectionError({ message: 'refused' });
    const copied = Object.assign(Object.create(null), { [Symbol.for('tenantry.error')]: true });
    expect(TenantryError.isInstance(error)).toBe(true);
    expect(TenantryError.isInstance(copied)).toBe(true);
    expect(TenantryError.isInstance(new Error('x'))).toBe(false);
    expect(TenantryError.isInstance(null)).toBe(false);
  });

  it('name the fix where there is one', () => {
    expect(new DatabaseNotPreparedError({ database: 'app' }).message).toMatch(/admin\.prepare\(\)/);
    const permission = new PermissionError({ privilege: 'CREATEROLE', message: 'needs CREATEROLE' });
    expect(permission.privilege).toBe('CREATEROLE');
    expect(new ValidationError({ field: 'f', rule: 'empty', message: 'm' }).code).toBe('VALIDATION');
  });
});

import { inspect } from 'node:util';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { TenantCredentials } from './tenant-credentials.js';

describe('TenantCredentials', () => {
  const credentials = new TenantCredentials({
    username: 'acme_user',
    schemaName: 'tenant_acme',
    password: 'Sup3rSecretPassw0rd',
    connectionString: 'postgresql://acme_user:Sup3rSecretPassw0rd@db/app',
  });

  it('exposes the secrets to code that asks for them', () => {
    expect(credentials.password).toBe('Sup3rSecretPassw0rd');
    expect(credentials.connectionString).toContain('Sup3rSecretPassw0rd');
  });

  it('hides them from inspect, console.log, JSON.stringify, String() and spreading', () => {
    for (const text of [
      inspect(credentials),
      inspect({ nested: credentials }, { depth: 5, showHidden: true }),
      JSON.stringify(credentials),
      String(credentials),
      JSON.stringify({ ...credentials }),
    ]) {
      expect(text).not.toContain('Sup3rSecretPassw0rd');
      expect(text).toContain('acme_user');
    }
  });

  it('leaves the secrets out of a spread, at runtime and in its type alike', () => {
    const spread = { ...credentials };
    expect(Object.keys(spread)).toEqual(expect.arrayContaining(['schemaName', 'username']));
    expect(Object.keys(spread)).not.toEqual(expect.arrayContaining(['password']));
    expect('password' in spread).toBe(false);
    expect('connectionString' in spread).toBe(false);
    // Type-level: checked by `tsc -p tsconfig.json` (the package's typecheck), which includes this file.
    expectTypeOf(spread).not.toHaveProperty('password');
    expectTypeOf(spread).not.toHaveProperty('connectionString');
    expectTypeOf(spread).toHaveProperty('username').toEqualTypeOf<string>();
    // @ts-expect-error: a spread has no password, and its type says so
    void spread.password;
    const { password, ...rest } = credentials;
    expectTypeOf(password).toEqualTypeOf<string>();
    expect(password).toBe('Sup3rSecretPassw0rd');
    expect(JSON.stringify(rest)).not.toContain('Sup3rSecretPassw0rd');
  });

  it('is immutable', () => {
    expect(() => {
      (credentials as { password: string }).password = 'x';
    }).toThrow(TypeError);
    expect(() => {
      (credentials as { username: string }).username = 'x';
    }).toThrow(TypeError);
    expect(credentials.password).toBe('Sup3rSecretPassw0rd');
  });
});

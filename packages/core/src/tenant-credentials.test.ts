import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
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

  it('is immutable', () => {
    expect(() => {
      (credentials as { password: string }).password = 'x';
    }).toThrow(TypeError);
  });
});

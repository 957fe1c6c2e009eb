import { describe, expect, it } from 'vitest';
import { tenantry } from '../test-support/cli.js';

describe('demo', () => {
  it('walks through on its own embedded PostgreSQL and exits 0', async () => {
    const result = await tenantry(['demo']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('$ tenantry init');
    expect(result.stdout).toMatch(/reading another tenant's table: denied \(42501/);
    expect(result.stdout).toMatch(/all \d+ checks hold/);
    expect(result.stdout).toContain('No tenants.');
    expect(result.stdout).toMatch(/Done in [\d.]+ s/);
  });
});

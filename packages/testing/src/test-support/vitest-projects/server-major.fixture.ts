import { appendFileSync } from 'node:fs';
import { expect, inject, it } from 'vitest';
import type {} from '../../vitest-context.js';

it('gets the server of the major its project asks for', () => {
  const version = inject('tenantryServerVersion');
  expect(Math.floor(version / 10_000)).toBe(Number(process.env['TENANTRY_PG_MAJOR']));
  expect(inject('tenantryPasswordsChecked')).toBe(true);
  const report = process.env['FIXTURE_REPORT'];
  if (report) {
    const line = { lane: process.env['TENANTRY_ADMIN_LANE'], major: process.env['TENANTRY_PG_MAJOR'], version, adminUrl: inject('tenantryAdminUrl') };
    appendFileSync(report, `${JSON.stringify(line)}\n`);
  }
  if (process.env['FIXTURE_FAIL'] === '1') expect('a deliberate failure').toBe('');
});

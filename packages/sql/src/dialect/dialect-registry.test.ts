import { describe, expect, it } from 'vitest';
import { createDialect, dialectNameForUrl } from './dialect-registry.js';

describe('the dialect registry', () => {
  it('builds the PostgreSQL dialect for the version given', () => {
    expect(createDialect('postgres', { serverVersionNum: 150008 }).capabilities.roleGrantOptions).toBe(false);
    expect(createDialect('postgres', { serverVersionNum: 160004 }).capabilities.roleGrantOptions).toBe(true);
  });

  it('picks the dialect from the URL scheme, in any case', () => {
    expect(dialectNameForUrl('postgres://a@h/db')).toBe('postgres');
    expect(dialectNameForUrl('PostgreSQL://a@h/db')).toBe('postgres');
    expect(dialectNameForUrl('mysql://a@h/db')).toBe('mysql');
    expect(dialectNameForUrl('MariaDB://a@h/db')).toBe('mysql');
    expect(dialectNameForUrl('host=h dbname=db')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { withDatabase } from './database-url.js';

describe('withDatabase', () => {
  it('replaces only the database', () => {
    const url = new URL(withDatabase('postgres://ad%40min:p%2Fw@db.example:6543/postgres?sslmode=require&application_name=x', 'scratch_1'));
    expect(url.pathname).toBe('/scratch_1');
    expect(decodeURIComponent(url.username)).toBe('ad@min');
    expect(decodeURIComponent(url.password)).toBe('p/w');
    expect(url.host).toBe('db.example:6543');
    expect(url.searchParams.get('sslmode')).toBe('require');
    expect(url.searchParams.get('application_name')).toBe('x');
  });

  it('adds a database to a URL without one, and percent-encodes it', () => {
    expect(withDatabase('postgresql://u@h', 'a b')).toBe('postgresql://u@h/a%20b');
  });

  it('does not echo an invalid URL', () => {
    expect(() => withDatabase('not a url secret', 'x')).toThrow(/redacted/);
    expect(() => withDatabase('not a url secret', 'x')).not.toThrow(/secret/);
  });
});

import { describe, expect, it } from 'vitest';
import { formatMysqlUrl, isMysqlUrl, parseMysqlUrl, withMysqlCredentials } from './mysql-url.js';

describe('parseMysqlUrl / formatMysqlUrl', () => {
  it('round-trips awkward credentials and a database', () => {
    const parts = { host: '127.0.0.1', port: 3307, user: 'a@b:c', password: 'p/w?#%x', database: 'd b' };
    expect(parseMysqlUrl(formatMysqlUrl(parts))).toEqual(parts);
  });

  it('defaults the port to 3306 (mysql2 would read NaN) and takes mariadb://', () => {
    expect(parseMysqlUrl('mariadb://root@localhost')).toEqual({ host: 'localhost', port: 3306, user: 'root', password: '', database: undefined });
  });

  it('keeps an IPv6 host in brackets when formatting', () => {
    expect(formatMysqlUrl({ host: '::1', port: 3306, user: 'u', password: '', database: undefined })).toBe('mysql://u@[::1]:3306/');
    expect(parseMysqlUrl('mysql://u@[::1]:3306/').host).toBe('::1');
  });

  it('never echoes a bad URL, nor one of another scheme', () => {
    expect(() => parseMysqlUrl('not a url s3cret')).toThrow(/redacted/);
    expect(() => parseMysqlUrl('not a url s3cret')).not.toThrow(/s3cret/);
    expect(() => parseMysqlUrl('postgres://u:s3cret@h/d')).toThrow(/postgres:/);
    expect(() => parseMysqlUrl('postgres://u:s3cret@h/d')).not.toThrow(/s3cret/);
    expect(isMysqlUrl('postgres://u@h/d')).toBe(false);
    expect(isMysqlUrl('mysql://u@h/d')).toBe(true);
  });

  it('withMysqlCredentials replaces only user and password', () => {
    expect(parseMysqlUrl(withMysqlCredentials('mysql://root:x@db:3310/reg', 'adm', 'p@ss'))).toEqual({ host: 'db', port: 3310, user: 'adm', password: 'p@ss', database: 'reg' });
  });
});

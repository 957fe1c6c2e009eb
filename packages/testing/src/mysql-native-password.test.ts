import { describe, expect, it } from 'vitest';
import { mysqlNativePasswordHash } from './mysql-native-password.js';

describe('mysqlNativePasswordHash', () => {
  it("matches the server's PASSWORD() for known passwords", () => {
    // PASSWORD('password') and PASSWORD('abc123'), as MariaDB 10.11 returns them.
    expect(mysqlNativePasswordHash('password')).toBe('*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19');
    expect(mysqlNativePasswordHash('abc123')).toBe('*6691484EA6B50DDDE1926A220DA01FA9E575C18A');
  });

  it('hashes UTF-8 bytes', () => {
    expect(mysqlNativePasswordHash('é')).not.toBe(mysqlNativePasswordHash('e'));
    expect(mysqlNativePasswordHash('é')).toBe('*55C78B637516A8567FEE3A4884177DB8D4F6A7F3');
  });
});

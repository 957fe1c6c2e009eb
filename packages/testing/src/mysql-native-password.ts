import { createHash } from 'node:crypto';

/**
 * The `mysql_native_password` hash of `password`: `*` and the upper-case hex
 * of SHA1(SHA1(password)), what `PASSWORD('...')` returns on MariaDB and
 * MySQL 5.7. Lets the harness create accounts with `IDENTIFIED BY PASSWORD
 * '<hash>'`, so no plaintext password reaches the server's logs.
 *
 * @example
 * ```ts
 * mysqlNativePasswordHash('abc123'); // '*6691484EA6B50DDDE1926A220DA01FA9E575C18A'
 * ```
 */
export function mysqlNativePasswordHash(password: string): string {
  const once = createHash('sha1').update(password, 'utf8').digest();
  return `*${createHash('sha1').update(once).digest('hex').toUpperCase()}`;
}

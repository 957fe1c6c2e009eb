import { createHash, randomBytes } from 'node:crypto';
import { ValidationError } from '@tenantry/core';
import type { MysqlFlavor } from './mysql-dialect-config.js';
import { sha256CryptHash } from './sha256-crypt.js';

/** `*` and 40 upper-case hex digits. */
export const MYSQL_NATIVE_HASH = /^\*[0-9A-F]{40}$/;

/** `$A$005$`, a 20-byte salt of 7-bit bytes without NUL or `$`, and a 43-char digest. */
export const CACHING_SHA2_HASH = /^\$A\$005\$[\u0001-\u0023\u0025-\u007f]{20}[./0-9A-Za-z]{43}$/;

/** caching_sha2_password's default `caching_sha2_password_digest_rounds` (5000 = `005`). */
export const CACHING_SHA2_ROUNDS = 5000;

/** caching_sha2_password refuses longer passwords (CACHING_SHA2_PASSWORD_MAX_PASSWORD_LENGTH). */
export const CACHING_SHA2_MAX_PASSWORD_BYTES = 256;

/**
 * The `mysql_native_password` hash: `*` + upper(hex(SHA1(SHA1(utf8 password)))).
 * Unsalted; worth little against offline guessing, but not a login credential
 * by itself (see the README). Vector: `password` → `*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19`.
 */
export function mysqlNativePasswordHash(password: string): string {
  const once = createHash('sha1').update(password, 'utf8').digest();
  return `*${createHash('sha1').update(once).digest('hex').toUpperCase()}`;
}

/**
 * A MySQL 8 salt: 20 random bytes masked to 7 bits, NUL and `$` bumped by
 * one, as `generate_user_salt` (mysys/crypt_genhash_impl.cc) makes it.
 */
export function cachingSha2Salt(): Buffer {
  const salt = randomBytes(20);
  for (let i = 0; i < salt.length; i++) {
    let byte = (salt[i] ?? 0) & 0x7f;
    if (byte === 0 || byte === 0x24) byte += 1;
    salt[i] = byte;
  }
  return salt;
}

/**
 * The string MySQL 8 stores for a caching_sha2_password account:
 * `$A$005$` + salt + SHA-256-crypt digest (5000 rounds). Sent as a hex
 * literal (`IDENTIFIED WITH caching_sha2_password AS 0x...`), since the salt
 * may hold quotes and backslashes. MySQL 8 only (paper: not run here).
 */
export function cachingSha2PasswordHash(password: string, salt: Buffer = cachingSha2Salt()): string {
  const bytes = Buffer.from(password, 'utf8');
  if (bytes.length > CACHING_SHA2_MAX_PASSWORD_BYTES) {
    throw new ValidationError({ field: 'password', rule: 'too-long', message: `password must be at most ${CACHING_SHA2_MAX_PASSWORD_BYTES} bytes for caching_sha2_password.` });
  }
  if (salt.length !== 20 || salt.some((b) => b === 0 || b === 0x24 || b > 0x7f)) throw new RangeError('caching_sha2_password salt: 20 bytes, 7-bit, no NUL or $');
  return `$A$005$${salt.toString('latin1')}${sha256CryptHash(bytes, salt, CACHING_SHA2_ROUNDS)}`;
}

/** The secret the flavor's statements carry for `password`. */
export function mysqlPasswordSecret(flavor: MysqlFlavor, password: string): string {
  return flavor === 'mariadb' ? mysqlNativePasswordHash(password) : cachingSha2PasswordHash(password);
}

/** Throws unless `secret` is a hash of the flavor's plugin: a plaintext password must never reach SQL. */
export function assertMysqlPasswordSecret(flavor: MysqlFlavor, secret: string): void {
  const ok = flavor === 'mariadb' ? MYSQL_NATIVE_HASH.test(secret) : CACHING_SHA2_HASH.test(secret);
  if (!ok) {
    throw new ValidationError({
      field: 'passwordSecret',
      rule: 'type',
      message: `passwordSecret must be a ${flavor === 'mariadb' ? 'mysql_native_password hash (*40 hex digits)' : 'caching_sha2_password hash ($A$005$...)'} from dialect.passwordSecret(); a plaintext password would reach the server's logs.`,
    });
  }
}

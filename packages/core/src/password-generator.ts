import { randomBytes } from 'node:crypto';
import { ValidationError } from './errors/validation-error.js';

/** A-Z a-z 0-9: no character that needs encoding in a connection string (as the seed promises). */
export const PASSWORD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const DEFAULT_PASSWORD_LENGTH = 32;

// The largest multiple of 62 that fits in a byte: bytes at or above it are
// thrown away, so every character is equally likely (no modulo bias).
const UNBIASED_LIMIT = 256 - (256 % PASSWORD_ALPHABET.length);

/**
 * Generates a password from the operating system's CSPRNG.
 *
 * ```ts
 * generatePassword(); // 32 characters from A-Z a-z 0-9, about 190 bits
 * ```
 */
export function generatePassword(length: number = DEFAULT_PASSWORD_LENGTH): string {
  if (!Number.isInteger(length) || length < 16 || length > 1024) {
    throw new ValidationError({
      field: 'length',
      rule: 'out-of-range',
      message: `Password length must be a whole number from 16 to 1024, got ${String(length)}.`,
    });
  }
  let password = '';
  while (password.length < length) {
    // Ask for a little more than needed: about 3% of bytes are rejected.
    for (const byte of randomBytes(length + 8)) {
      if (byte >= UNBIASED_LIMIT) continue;
      password += PASSWORD_ALPHABET[byte % PASSWORD_ALPHABET.length];
      if (password.length === length) break;
    }
  }
  return password;
}

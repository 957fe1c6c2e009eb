import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { ValidationError } from './errors/validation-error.js';

const pbkdf2Async = promisify(pbkdf2);

/** PostgreSQL's default `scram_iterations`. */
export const DEFAULT_SCRAM_ITERATIONS = 4096;
const SALT_BYTES = 16;

export interface ScramVerifierOptions {
  /** PBKDF2 rounds; PostgreSQL's default is 4096. */
  iterations?: number;
  /** Salt; 16 random bytes by default. Only tests should pass one. */
  salt?: Uint8Array;
}

/**
 * Computes the SCRAM-SHA-256 verifier PostgreSQL stores for a password
 * (RFC 5802, RFC 7677), as libpq's `PQencryptPasswordConn` does.
 *
 * Sending this instead of the password keeps the plaintext out of SQL text,
 * server logs, `pg_stat_activity` and `pg_stat_statements`. The PBKDF2 runs on
 * libuv's thread pool, off the event loop. The password is used as given:
 * `validatePassword` only accepts passwords that SASLprep leaves unchanged.
 *
 * ```ts
 * await scramSha256Verifier('hunter2');
 * // 'SCRAM-SHA-256$4096:<salt>$<StoredKey>:<ServerKey>'
 * ```
 */
export async function scramSha256Verifier(password: string, options: ScramVerifierOptions = {}): Promise<string> {
  const iterations = options.iterations ?? DEFAULT_SCRAM_ITERATIONS;
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 2 ** 31 - 1) {
    throw new ValidationError({
      field: 'iterations',
      rule: 'out-of-range',
      message: `SCRAM iterations must be a whole number from 1 to 2147483647, got ${String(iterations)}.`,
    });
  }
  const salt = Buffer.from(options.salt ?? randomBytes(SALT_BYTES));
  const saltedPassword = await pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  return scramSha256VerifierFromSaltedPassword(saltedPassword, salt, iterations);
}

/**
 * The verifier from an already computed SaltedPassword (PBKDF2-HMAC-SHA-256 of
 * the password, 32 bytes): for PBKDF2 run elsewhere, e.g. on a worker thread.
 */
export function scramSha256VerifierFromSaltedPassword(saltedPassword: Uint8Array, salt: Uint8Array, iterations: number): string {
  const clientKey = createHmac('sha256', saltedPassword).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', saltedPassword).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${Buffer.from(salt).toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** True for a string in the form PostgreSQL stores a SCRAM-SHA-256 verifier. */
export function isScramSha256Verifier(value: string): boolean {
  return /^SCRAM-SHA-256\$\d+:[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*:[A-Za-z0-9+/]+=*$/.test(value);
}

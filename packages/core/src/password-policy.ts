import { ValidationError } from './errors/validation-error.js';
import { CONTROL_CHARACTER, describeType, LONE_SURROGATE } from './text-rules.js';

export const MAX_PASSWORD_LENGTH = 1024;

// RFC 3454 table B.1 (mapped to nothing) and C.1.2 (non-ASCII spaces, mapped to U+0020).
const SASLPREP_MAPPED = /[\u00ad\u034f\u1806\u180b-\u180d\u200b-\u200d\u2060\ufe00-\ufe0f\ufeff\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/u;

/**
 * Checks a caller-given password.
 *
 * Beyond "not empty, no control characters", the password must be unchanged by
 * SASLprep (RFC 4013). libpq applies SASLprep before SCRAM, node-postgres does
 * not: a password SASLprep would rewrite (a non-breaking space, a ligature such
 * as "ﬁ") logs in with one driver and fails with the other. Refusing those
 * means every driver logs in with the password exactly as typed.
 *
 * @throws ValidationError naming the rule that was broken.
 */
export function validatePassword(value: unknown, field = 'password'): string {
  const reject = (rule: ValidationError['rule'], why: string): never => {
    throw new ValidationError({ field, rule, message: `Invalid ${field}: ${why}.` });
  };
  if (typeof value !== 'string') return reject('type', `expected a string, got ${describeType(value)}`);
  if (value.length === 0) return reject('empty', 'it is empty (omit it, or pass "", to have one generated)');
  if (value.length > MAX_PASSWORD_LENGTH) {
    return reject('too-long', `it has ${value.length} characters; at most ${MAX_PASSWORD_LENGTH} are allowed`);
  }
  if (CONTROL_CHARACTER.test(value)) return reject('control-character', 'it contains a control character');
  if (LONE_SURROGATE.test(value)) return reject('control-character', 'it contains an unpaired UTF-16 surrogate');
  if (SASLPREP_MAPPED.test(value) || value.normalize('NFKC') !== value) {
    return reject(
      'password-not-saslprep-stable',
      'it contains characters SASLprep would rewrite (non-ASCII spaces, invisible characters, or characters not in NFKC form), ' +
        'so drivers would disagree on it',
    );
  }
  return value;
}

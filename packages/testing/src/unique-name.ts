import { randomBytes } from 'node:crypto';

/**
 * Returns `prefix` followed by `_` and a random lowercase base36 suffix, for
 * names of scratch databases, roles and schemas that must not collide across
 * parallel test files.
 *
 * The suffix is 16 characters (about 80 random bits) drawn from
 * `crypto.randomBytes`, so the result is a valid unquoted PostgreSQL identifier
 * whenever `prefix` is one (it starts with a lowercase letter or `_` and holds
 * only `[a-z0-9_]`).
 *
 * @example
 * ```ts
 * uniqueName('tenant'); // 'tenant_k3v0c9x1m2q8z7ab'
 * ```
 *
 * @throws {RangeError} if `prefix` is not `[a-z_][a-z0-9_]*`, would produce a
 * reserved `pg_` name, or is too long to leave room for the suffix within
 * PostgreSQL's 63-byte identifier limit.
 */
export function uniqueName(prefix: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) {
    throw new RangeError(`uniqueName: prefix must match [a-z_][a-z0-9_]*, got ${JSON.stringify(prefix)}`);
  }
  // Roles and schemas named pg_* are reserved by PostgreSQL.
  if (prefix === 'pg' || prefix.startsWith('pg_')) {
    throw new RangeError(`uniqueName: prefix ${JSON.stringify(prefix)} would produce a reserved pg_ name`);
  }
  const name = `${prefix}_${randomSuffix()}`;
  if (name.length > MAX_IDENTIFIER_BYTES) {
    throw new RangeError(`uniqueName: prefix is too long (${prefix.length} chars); the name would exceed ${MAX_IDENTIFIER_BYTES} bytes`);
  }
  return name;
}

/** PostgreSQL truncates longer identifiers (NAMEDATALEN - 1). */
const MAX_IDENTIFIER_BYTES = 63;
const SUFFIX_LENGTH = 16;

function randomSuffix(): string {
  // 10 bytes = 80 bits; base36 of that is at most 16 characters. Pad so every
  // suffix has the same length, which keeps the length check above honest.
  const value = BigInt(`0x${randomBytes(10).toString('hex')}`);
  return value.toString(36).padStart(SUFFIX_LENGTH, '0');
}

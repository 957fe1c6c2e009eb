import { sql } from 'kysely';
import { compileDdl } from '../../compile-sql.js';
import { Statement } from '../../statement.js';
import { advisoryLockKey } from '../../advisory-lock-key.js';
import { encodeMarker, MARKER_VERSION } from '../../tenant-marker.js';
import { NOT_PREPARED_SQLSTATE, type CreateTenantSpec, type RemoveTenantSpec } from '../../plans/plan-specs.js';

const REDACTED_VERIFIER = '[redacted SCRAM-SHA-256 verifier]';

/** Every attribute spelled out, so no server default or future default can widen the role. */
const ROLE_ATTRIBUTES = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1';

/** Object kinds whose default privileges give the tenant everything the admin creates in its schema. */
const DEFAULT_PRIVILEGE_KINDS = ['TABLES', 'SEQUENCES', 'FUNCTIONS', 'TYPES'] as const;

/** Serialises plans that touch the same names; keys in ascending order so two plans never deadlock. */
export function lockStatement(schemaName: string, username: string): Statement {
  const keys = [advisoryLockKey('schema', schemaName), advisoryLockKey('role', username)].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const locks = sql.join(keys.map((key) => sql`pg_advisory_xact_lock(${sql.lit(key)})`));
  return new Statement('lock the tenant names until commit', compileDdl(sql`SELECT ${locks}`));
}

/** The statements that create one tenant, in order. */
export function createTenantStatements(spec: Required<CreateTenantSpec>): Statement[] {
  const schema = sql.id(spec.schemaName);
  const role = sql.id(spec.username);
  const statements = [
    // Literals below are escaped by doubling quotes, which is only safe with standard strings.
    new Statement('make string literals standard for this transaction', 'SET LOCAL standard_conforming_strings = on'),
    lockStatement(spec.schemaName, spec.username),
  ];
  if (spec.requirePreparedDatabase) statements.push(preparedGuardStatement());
  const createRole = (verifier: string) =>
    compileDdl(sql`CREATE ROLE ${role} WITH ${sql.raw(ROLE_ATTRIBUTES)} PASSWORD ${sql.lit(verifier)}`);
  statements.push(
    new Statement('create the login role, password as a SCRAM verifier', createRole(spec.passwordVerifier), createRole(REDACTED_VERIFIER)),
    new Statement("create the schema, owned by the admin so the tenant cannot drop it or change its marker", compileDdl(sql`CREATE SCHEMA ${schema}`)),
    new Statement('let the tenant use and create objects in its schema', compileDdl(sql`GRANT USAGE, CREATE ON SCHEMA ${schema} TO ${role}`)),
    new Statement('let the tenant connect even where PUBLIC may not', compileDdl(sql`GRANT CONNECT ON DATABASE ${sql.id(spec.database)} TO ${role}`)),
    ...DEFAULT_PRIVILEGE_KINDS.map(
      (kind) =>
        new Statement(
          `give the tenant all rights on ${kind.toLowerCase()} the admin creates in its schema`,
          compileDdl(sql`ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT ALL ON ${sql.raw(kind)} TO ${role}`),
        ),
    ),
    new Statement(
      "resolve the tenant's unqualified names in its own schema only",
      compileDdl(sql`ALTER ROLE ${role} IN DATABASE ${sql.id(spec.database)} SET search_path = ${schema}`),
    ),
    new Statement(
      'mark the schema as a Tenantry tenant',
      compileDdl(
        sql`COMMENT ON SCHEMA ${schema} IS ${sql.lit(
          encodeMarker({ v: MARKER_VERSION, role: spec.username, createdAt: spec.createdAt.toISOString() }),
        )}`,
      ),
    ),
    new Statement(
      'mark the role as a Tenantry tenant',
      compileDdl(
        sql`COMMENT ON ROLE ${role} IS ${sql.lit(
          encodeMarker({ v: MARKER_VERSION, schema: spec.schemaName, database: spec.database }),
        )}`,
      ),
    ),
  );
  return statements;
}

/** Fails the transaction with SQLSTATE TRY01 while PUBLIC still holds any right on schema `public`. */
function preparedGuardStatement(): Statement {
  return new Statement(
    'refuse to run on a database where every role may use schema public',
    `DO $tenantry$ BEGIN IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a ` +
      `WHERE n.nspname = 'public' AND a.grantee = 0) THEN RAISE EXCEPTION 'schema public is open to PUBLIC; run prepare first' ` +
      `USING ERRCODE = '${NOT_PREPARED_SQLSTATE}'; END IF; END $tenantry$`,
  );
}

/**
 * The statements that remove one tenant, in order: the schema with everything
 * in it (whoever created it), then whatever the role still owns or holds in this
 * database (its CONNECT grant, default privileges, large objects), then the role.
 */
export function removeTenantStatements(spec: RemoveTenantSpec, roleGrantOptions: boolean): Statement[] {
  const role = sql.id(spec.username);
  const statements = [
    lockStatement(spec.schemaName, spec.username),
    new Statement('drop the schema and every object in it', compileDdl(sql`DROP SCHEMA ${sql.id(spec.schemaName)} CASCADE`)),
  ];
  if (spec.nonSuperuserAdmin !== undefined) {
    // PostgreSQL 16+ gives a CREATEROLE admin only ADMIN OPTION on the roles it
    // creates; DROP OWNED BY needs the role's privileges, hence INHERIT TRUE.
    const options = roleGrantOptions ? sql` WITH INHERIT TRUE, SET FALSE` : sql``;
    statements.push(
      new Statement(
        "take on the tenant role's privileges, which DROP OWNED BY needs",
        compileDdl(sql`GRANT ${role} TO ${sql.id(spec.nonSuperuserAdmin)}${options}`),
      ),
    );
  }
  statements.push(
    new Statement("drop the role's remaining objects and privileges in this database", compileDdl(sql`DROP OWNED BY ${role}`)),
    new Statement('drop the role', compileDdl(sql`DROP ROLE ${role}`)),
  );
  return statements;
}

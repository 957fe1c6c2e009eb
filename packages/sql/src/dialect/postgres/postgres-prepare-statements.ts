import { sql } from 'kysely';
import { compileDdl } from '../../compile-sql.js';
import { Statement } from '../../statement.js';
import type { PrepareDatabaseSpec } from '../../plans/plan-specs.js';

/**
 * What `prepare` changes: PUBLIC loses every right on schema `public` (so a
 * tenant can neither create nor reach anything there), and the roles the caller
 * names keep USAGE. Only what the current state needs is included, so running
 * it twice changes nothing the second time.
 */
export function prepareDatabaseStatements(spec: PrepareDatabaseSpec): Statement[] {
  const statements: Statement[] = [];
  if (spec.publicPrivileges.length > 0) {
    statements.push(
      new Statement(
        `revoke ${spec.publicPrivileges.join(', ')} on schema public from PUBLIC`,
        compileDdl(sql`REVOKE ALL ON SCHEMA public FROM PUBLIC`),
      ),
    );
  }
  if (spec.grantUsageTo.length > 0) {
    statements.push(
      new Statement(
        'keep schema public usable for the roles named',
        compileDdl(sql`GRANT USAGE ON SCHEMA public TO ${sql.join(spec.grantUsageTo.map((role) => sql.id(role)))}`),
      ),
    );
  }
  return statements;
}

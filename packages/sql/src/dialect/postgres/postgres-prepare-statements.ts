import { sql } from 'kysely';
import { compileDdl } from '../../compile-sql.js';
import { Statement } from '../../statement.js';
import { PermissionError } from '@tenantry/core';
import type { PrepareDatabaseSpec } from './postgres-plan-specs.js';
import { checkStep, runStep, type PlanStep } from '../../executable-plan.js';
import { publicSchemaStateQuery } from './postgres-catalog-queries.js';

/**
 * The steps of `prepare`: the statements, then (when the caller names the
 * roles that keep USAGE) a check that PUBLIC really lost its rights: a REVOKE
 * by a role that does not own schema `public` only warns, so the result is
 * read, not trusted. No steps when nothing needs changing.
 */
export function prepareDatabaseSteps(spec: PrepareDatabaseSpec): PlanStep[] {
  const statements = prepareDatabaseStatements(spec);
  if (statements.length === 0) return [];
  const keep = spec.keepPublicFor;
  if (keep === undefined) return [runStep(statements)];
  return [
    runStep(statements),
    checkStep('PUBLIC holds nothing on schema public any more', publicSchemaStateQuery(keep), ([after]) => {
      if (after !== undefined && after.public_privileges.length > 0) {
        throw new PermissionError({
          privilege: 'ownership of schema public',
          message: `Could not revoke ${after.public_privileges.join(', ')} on schema public from PUBLIC: the admin role "${spec.adminRole ?? '?'}" must own schema public (or be a member of its owner) or be superuser.`,
        });
      }
    }),
  ];
}

/**
 * What `prepare` changes: PUBLIC loses every right on schema `public` (so a
 * tenant can neither create nor reach anything there), and the roles the caller
 * names keep USAGE. Only what the current state needs is included, so running
 * it twice changes nothing the second time.
 */
function prepareDatabaseStatements(spec: PrepareDatabaseSpec): Statement[] {
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

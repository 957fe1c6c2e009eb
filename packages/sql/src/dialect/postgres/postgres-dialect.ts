import type { CompiledQuery } from 'kysely';
import type { Plan } from '../../plan.js';
import { freezePlan } from '../../plan.js';
import type { CreateTenantSpec, ListTenantsSpec, PrepareDatabaseSpec, RemoveTenantSpec, RotatePasswordSpec } from '../../plans/plan-specs.js';
import type {
  DialectCapabilities,
  ManagedSchemaRow,
  PublicSchemaStateRow,
  RoleCommentRow,
  RoleDetailsRow,
  SchemaRow,
  ServerFactsRow,
  TenantStateRow,
  TenantryDialect,
} from '../tenantry-dialect.js';
import type { PostgresDialectConfig } from './postgres-dialect-config.js';
import * as catalog from './postgres-catalog-queries.js';
import { prepareDatabaseSteps } from './postgres-prepare-statements.js';
import { rotatePasswordSteps } from './postgres-rotate-statements.js';
import { mapPostgresError } from './postgres-error-mapping.js';
import type { ErrorContext } from '../dialect.js';
import type { TenantryError } from '@tenantry/core';
import { executablePlan, type ExecutablePlan } from '../../executable-plan.js';
import { createTenantStatements, removeTenantSteps } from './postgres-tenant-statements.js';

/**
 * The PostgreSQL dialect (14 to 18).
 *
 * ```ts
 * const dialect = new PostgresDialect({ serverVersionNum: 150004 });
 * dialect.capabilities.publicSchemaLockedByDefault; // true
 * ```
 */
export class PostgresDialect implements TenantryDialect {
  readonly name = 'postgres';
  readonly serverVersionNum: number;
  readonly capabilities: DialectCapabilities;

  constructor(config: PostgresDialectConfig = {}) {
    this.serverVersionNum = config.serverVersionNum ?? 160000;
    this.capabilities = Object.freeze({
      roleGrantOptions: this.serverVersionNum >= 160000,
      publicSchemaLockedByDefault: this.serverVersionNum >= 150000,
    });
  }

  planCreateTenant(spec: CreateTenantSpec): Plan {
    return freezePlan(
      'create-tenant',
      createTenantStatements({
        ...spec,
        requirePreparedDatabase: spec.requirePreparedDatabase ?? true,
        createdAt: spec.createdAt ?? new Date(),
        connectionLimit: spec.connectionLimit ?? -1,
        validUntil: spec.validUntil,
        settings: spec.settings ?? {},
        memberOf: spec.memberOf ?? [],
        grantTo: spec.grantTo ?? [],
        labels: spec.labels ?? {},
      }),
    );
  }

  planRemoveTenant(spec: RemoveTenantSpec): ExecutablePlan {
    return executablePlan('remove-tenant', 'transaction', removeTenantSteps(spec, this.capabilities.roleGrantOptions));
  }

  planPrepareDatabase(spec: PrepareDatabaseSpec): ExecutablePlan {
    return executablePlan('prepare-database', 'transaction', prepareDatabaseSteps(spec));
  }

  planRotatePassword(spec: RotatePasswordSpec): ExecutablePlan {
    return executablePlan('rotate-password', 'transaction', rotatePasswordSteps(spec, this.capabilities.roleGrantOptions));
  }

  /** SQLSTATE to Tenantry's error classes, with the fix in the message and no secret. */
  mapError(error: unknown, context: ErrorContext): TenantryError {
    return mapPostgresError(error, context);
  }

  roleCommentsQuery(usernames: readonly string[]): CompiledQuery<RoleCommentRow> {
    return catalog.roleCommentsQuery(usernames);
  }

  schemaQuery(schemaName: string): CompiledQuery<SchemaRow> {
    return catalog.schemaQuery(schemaName);
  }

  roleDetailsQuery(username: string): CompiledQuery<RoleDetailsRow> {
    return catalog.roleDetailsQuery(username);
  }

  serverFactsQuery(): CompiledQuery<ServerFactsRow> {
    return catalog.serverFactsQuery();
  }

  publicSchemaStateQuery(keepPublicFor: readonly string[]): CompiledQuery<PublicSchemaStateRow> {
    return catalog.publicSchemaStateQuery(keepPublicFor);
  }

  tenantStateQuery(schemaName: string, username: string): CompiledQuery<TenantStateRow> {
    return catalog.tenantStateQuery(schemaName, username, this.capabilities.roleGrantOptions);
  }

  listTenantsQuery(spec: ListTenantsSpec): CompiledQuery<ManagedSchemaRow> {
    return catalog.listTenantsQuery(spec);
  }
}

import type { CompiledQuery } from 'kysely';
import {
  isScramSha256Verifier,
  scramSha256Verifier,
  tenantConnectionString,
  validateConnectionUrl,
  validateRoleName,
  validateSchemaName,
  ValidationError,
  type TenantryError,
} from '@tenantry/core';
import { executablePlan, runStep, type ExecutablePlan } from '../../executable-plan.js';
import type {
  AdminConnectionParts,
  CatalogReader,
  CreateTenantPlanSpec,
  ErrorContext,
  PreparePlan,
  PrepareSpec,
  RemoveTenantPlanSpec,
  RotatePasswordPlanSpec,
  ServerConnectionFacts,
  ServerFacts,
  TenantRecord,
  TenantRecordPage,
  TenantryDialect,
  TenantVerification,
  TransactionalSessions,
} from '../dialect.js';
import type { CreationOptionName, NameRules } from '../tenant-spec.js';
import * as catalog from './postgres-catalog-queries.js';
import type { ServerFactsRow } from './postgres-catalog-rows.js';
import { hasRoleGrantOptions, nonSuperuserAdmin, publicSchemaLockedByDefault } from './postgres-dialect-config.js';
import { mapPostgresError, toDatabaseError } from './postgres-error-mapping.js';
import { postgresOtherDatabases } from './postgres-other-databases.js';
import { prepareDatabaseSteps } from './postgres-prepare-statements.js';
import { readPostgresConnectionFacts } from './postgres-connection-facts.js';
import { poolerAuthQuery, poolerAuthStatements, readPoolerAuthState, resolvePoolerAuth } from './postgres-pooler-auth.js';
import { postgresRoleSwitching } from './postgres-role-switching.js';
import { postgresTenantCredentials } from './postgres-tenant-credentials.js';
import { postgresTenantSuspension } from './postgres-tenant-suspension.js';
import { rotatePasswordSteps } from './postgres-rotate-statements.js';
import { postgresTransactions } from './postgres-transactions.js';
import { readPostgresTenant, readPostgresTenantPage } from './postgres-tenant-reads.js';
import { createTenantSteps, removeTenantSteps } from './postgres-tenant-statements.js';
import { verifyPostgresTenant } from './postgres-tenant-verification.js';
import { postgresStagedRemoval } from './postgres-staged-removal.js';
import { postgresRenaming } from './postgres-rename-statements.js';
import { postgresLeftoverSweep } from './postgres-leftover-sweep.js';

/**
 * The PostgreSQL dialect (14 to 18): a tenant is a schema and a login role
 * with every right on it and nothing else, both marked by comments. DDL is
 * transactional, so every plan is one transaction. Version differences are
 * read from the server's facts, here and nowhere else.
 *
 * ```ts
 * const dialect = new PostgresDialect();
 * const plan = dialect.planCreateTenant({ tenant, passwordSecret: await dialect.passwordSecret(password, { scramIterations: 4096 }), requirePreparedDatabase: true }, facts);
 * ```
 *
 * The generated SQL (PostgreSQL), create, in part:
 * ```sql
 * CREATE ROLE "acme_user" WITH LOGIN NOSUPERUSER ... PASSWORD '[redacted SCRAM-SHA-256 verifier]';
 * CREATE SCHEMA "tenant_acme" AUTHORIZATION "acme_user";
 * ```
 */
export class PostgresDialect implements TenantryDialect {
  readonly name = 'postgres';
  readonly client = 'pg' as const;
  readonly passwordSecretIsScram = true;
  readonly rules: NameRules = Object.freeze({
    validateSchemaName: (value: unknown, field?: string) => validateSchemaName(value, field),
    validateUsername: (value: unknown, field?: string) => validateRoleName(value, field),
  });
  readonly creationOptions: ReadonlySet<CreationOptionName> = new Set<CreationOptionName>(['connectionLimit', 'validUntil', 'settings', 'memberOf', 'grantTo', 'labels']);
  readonly transactions: TransactionalSessions = postgresTransactions;
  readonly roleSwitching = postgresRoleSwitching;
  readonly otherDatabases = postgresOtherDatabases;
  readonly credentials = postgresTenantCredentials;
  readonly suspension = postgresTenantSuspension;
  readonly stagedRemoval = postgresStagedRemoval;
  readonly renaming = postgresRenaming;
  readonly leftovers = postgresLeftoverSweep;

  serverFactsQuery(): CompiledQuery<ServerFactsRow> {
    return catalog.serverFactsQuery();
  }

  readServerFacts(row: unknown): ServerFacts {
    const facts = row as ServerFactsRow;
    const missing = facts.is_superuser
      ? []
      : [...(facts.can_create_role ? [] : ['CREATEROLE']), ...(facts.can_create_in_database ? [] : [`CREATE on database "${facts.database}"`])];
    return Object.freeze({
      versionNum: facts.server_version_num,
      version: String(facts.server_version_num),
      database: facts.database,
      adminRole: facts.admin_role,
      isSuperuser: facts.is_superuser,
      missingToCreate: Object.freeze(missing),
      extensions: Object.freeze([...facts.extensions]),
    });
  }

  /** The SCRAM-SHA-256 verifier (PBKDF2 on libuv's thread pool). */
  passwordSecret(password: string, options: { scramIterations: number }): Promise<string> {
    return scramSha256Verifier(password, { iterations: options.scramIterations });
  }

  /** SQLSTATE to Tenantry's error classes, with the fix in the message and no secret. */
  mapError(error: unknown, context: ErrorContext): TenantryError {
    return mapPostgresError(error, context);
  }

  toDatabaseError(prefix: string, error: unknown): TenantryError {
    return toDatabaseError(prefix, error);
  }

  adminConnection(adminUrl: string): AdminConnectionParts {
    const url = new URL(validateConnectionUrl(adminUrl));
    const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
    return {
      host: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port === '' ? 5432 : Number.parseInt(url.port, 10),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      ...(database === '' ? {} : { database }),
    };
  }

  /** The admin's URL with the tenant's login: tenants live in the admin's database; TLS settings stay. */
  tenantConnectionString(adminUrl: string, tenant: { username: string; password: string }): string {
    return tenantConnectionString(adminUrl, tenant);
  }

  async planPrepare(read: CatalogReader, facts: ServerFacts, spec: PrepareSpec): Promise<PreparePlan> {
    const poolerAuth = spec.poolerAuth === undefined ? undefined : await readPoolerAuthState(read, facts, resolvePoolerAuth(spec.poolerAuth));
    const [state] = await read(catalog.publicSchemaStateQuery(spec.keepPublicFor));
    if (state!.unknown_roles.length > 0) {
      throw new ValidationError({
        field: 'keepPublicFor',
        rule: 'unknown-role',
        message: `keepPublicFor names roles that do not exist: ${state!.unknown_roles.map((role) => `"${role}"`).join(', ')}.`,
      });
    }
    return this.#preparePlan(facts, spec, state!.public_privileges, state!.roles_missing_usage, poolerAuth?.ready === false);
  }

  /** What `prepare` runs on a new database of that version, for previews without a connection. */
  planPrepareOffline(facts: ServerFacts, spec: PrepareSpec): PreparePlan {
    const publicPrivileges = publicSchemaLockedByDefault(facts.versionNum) ? ['USAGE'] : ['CREATE', 'USAGE'];
    return this.#preparePlan(facts, spec, publicPrivileges, spec.keepPublicFor.filter((role) => role !== facts.adminRole), spec.poolerAuth !== undefined);
  }

  planCreateTenant(spec: CreateTenantPlanSpec, facts: ServerFacts): ExecutablePlan {
    requireVerifier(spec.passwordSecret);
    const steps = createTenantSteps({
      schemaName: spec.tenant.schemaName,
      username: spec.tenant.username,
      ...spec.tenant.options,
      passwordVerifier: spec.passwordSecret,
      database: facts.database,
      requirePreparedDatabase: spec.requirePreparedDatabase,
      createdAt: spec.createdAt ?? new Date(),
    });
    return executablePlan('create-tenant', 'transaction', steps);
  }

  planRemoveTenant(spec: RemoveTenantPlanSpec, facts: ServerFacts): ExecutablePlan {
    const steps = removeTenantSteps(
      {
        schemaName: spec.schemaName,
        username: spec.username,
        database: facts.database,
        adminRole: facts.adminRole,
        nonSuperuserAdmin: nonSuperuserAdmin(facts),
        dropOwnedInOtherDatabases: spec.dropOwnedInOtherDatabases,
        stageWhenLarge: spec.stageWhenLarge ?? false,
      },
      hasRoleGrantOptions(facts.versionNum),
    );
    return executablePlan('remove-tenant', 'transaction', steps);
  }

  planRotatePassword(spec: RotatePasswordPlanSpec, facts: ServerFacts): ExecutablePlan {
    requireVerifier(spec.passwordSecret);
    const steps = rotatePasswordSteps(
      {
        schemaName: spec.schemaName,
        username: spec.username,
        passwordVerifier: spec.passwordSecret,
        validUntil: spec.validUntil,
        terminateSessions: spec.terminateSessions,
        nonSuperuserAdmin: nonSuperuserAdmin(facts),
        database: facts.database,
      },
      hasRoleGrantOptions(facts.versionNum),
    );
    return executablePlan('rotate-password', 'transaction', steps);
  }

  readTenantPage(read: CatalogReader, page: { limit: number; after: string | undefined }, facts: ServerFacts): Promise<TenantRecordPage> {
    return readPostgresTenantPage(read, page, facts.database);
  }

  readConnectionFacts(read: CatalogReader, facts: ServerFacts): Promise<ServerConnectionFacts> {
    return readPostgresConnectionFacts(read, facts.database);
  }

  readTenant(read: CatalogReader, schemaName: string, facts: ServerFacts): Promise<TenantRecord | undefined> {
    return readPostgresTenant(read, schemaName, facts.database);
  }

  verifyTenant(read: CatalogReader, schemaName: string, facts: ServerFacts): Promise<TenantVerification> {
    return verifyPostgresTenant(read, schemaName, hasRoleGrantOptions(facts.versionNum));
  }

  #preparePlan(facts: ServerFacts, spec: PrepareSpec, publicPrivileges: readonly string[], grantUsageTo: readonly string[], installPoolerAuth: boolean): PreparePlan {
    const steps = prepareDatabaseSteps({ publicPrivileges, grantUsageTo, keepPublicFor: spec.keepPublicFor, adminRole: facts.adminRole });
    const poolerAuth = spec.poolerAuth === undefined ? undefined : resolvePoolerAuth(spec.poolerAuth);
    if (installPoolerAuth && poolerAuth !== undefined) steps.push(runStep(poolerAuthStatements(poolerAuth)));
    return {
      plan: executablePlan('prepare-database', 'transaction', steps),
      revokedFromPublic: [...publicPrivileges],
      grantedUsageTo: [...grantUsageTo],
      ...(poolerAuth === undefined ? {} : { poolerAuthQuery: poolerAuthQuery(poolerAuth.schema) }),
    };
  }
}

/** The create and rotate plans take a SCRAM verifier only: a plaintext password must never reach SQL. */
function requireVerifier(value: string): void {
  if (!isScramSha256Verifier(value)) {
    throw new ValidationError({
      field: 'passwordSecret',
      rule: 'type',
      message: 'passwordSecret must be a SCRAM-SHA-256 verifier (see scramSha256Verifier); plaintext passwords are refused.',
    });
  }
}

import { IssuedCredentials, ValidationError, type TenantRef } from '@tenantry/core';
import { parseTenantNames, type CredentialRecord, type ErrorContext, type TenantCredentialPlans, type TenantryDialect } from '@tenantry/sql';
import type { AdminSession } from './admin-session.js';
import type { CredentialInfo, IssueCredentialsOptions, SweptCredential } from './database-admin-options.js';

/** A credential lives one hour unless told otherwise, as Vault's default lease does. */
export const DEFAULT_CREDENTIAL_TTL_SECONDS = 3600;
/** The longest a credential may live: a year. Longer-lived access is the tenant's own password. */
export const MAX_CREDENTIAL_TTL_SECONDS = 365 * 24 * 3600;

/**
 * Issues an extra login for a tenant that expires after `ttl` seconds: one
 * round trip, in which the server checks the tenant is whole, Tenantry's and
 * not suspended, and creates the login. The password is generated here and
 * reaches the server only as its stored secret.
 */
export async function issueCredentials(session: AdminSession, ref: TenantRef, options: IssueCredentialsOptions = {}): Promise<IssuedCredentials> {
  const names = parseTenantNames(ref, session.dialect.rules);
  const ttl = validateTtl(options?.ttl);
  requireCredentials(session.dialect);
  const [{ facts, dialect }, { password, passwordSecret }] = await Promise.all([session.server(), session.passwordWithSecret(undefined)]);
  const plans = requireCredentials(dialect);
  const credential = plans.newCredentialName();
  const createdAt = new Date();
  const validUntil = new Date(createdAt.getTime() + ttl * 1000);
  const context: ErrorContext = { action: `issue credentials for tenant "${names.schemaName}"`, schemaName: names.schemaName, username: names.username, credential, database: facts.database, adminRole: facts.adminRole };
  await session.runPlan(plans.planIssue({ tenant: names, credential, passwordSecret, validUntil, createdAt }, facts), context);
  const connectionString = session.tenantUrl({ username: credential, password, database: names.schemaName });
  return new IssuedCredentials({ username: credential, schemaName: names.schemaName, tenantUsername: names.username, expiresAt: validUntil, password, connectionString });
}

/**
 * Revokes one credential of a tenant: first it can no longer log in
 * (committed), then its open sessions end and it is dropped, with anything it
 * came to own. A failure between the two leaves a credential that cannot log
 * in; calling again finishes it.
 */
export async function revokeCredentials(session: AdminSession, ref: TenantRef, credentialName: string): Promise<void> {
  const names = parseTenantNames(ref, session.dialect.rules);
  const credential = requireCredentials(session.dialect).validateCredentialName(credentialName);
  const { facts, dialect } = await session.server();
  const plans = requireCredentials(dialect);
  const context: ErrorContext = { action: `revoke credential "${credential}" of tenant "${names.schemaName}"`, schemaName: names.schemaName, username: names.username, credential, database: facts.database, adminRole: facts.adminRole };
  await session.runPlan(plans.planDisable(names, credential, facts), context);
  await session.runPlan(plans.planDrop(names, credential, facts), context);
}

/** The credentials of one tenant, oldest first, expired ones included until a sweep drops them. */
export async function listCredentials(session: AdminSession, ref: TenantRef): Promise<CredentialInfo[]> {
  const names = parseTenantNames(ref, session.dialect.rules);
  requireCredentials(session.dialect);
  const { facts, dialect } = await session.server();
  const plans = requireCredentials(dialect);
  const context: ErrorContext = { action: `list the credentials of tenant "${names.schemaName}"`, schemaName: names.schemaName, username: names.username };
  const records = await session.transaction(context, (connection) => plans.readCredentials((query) => connection.query(query), names, facts));
  return records.map(toCredentialInfo);
}

/**
 * Drops every expired credential of every tenant of the database, its open
 * sessions ended first (an expired login cannot log in again, but a session
 * opened before stays until ended). Each credential goes in a transaction of
 * its own; one that fails is reported and the others still go.
 */
export async function sweepCredentials(session: AdminSession): Promise<SweptCredential[]> {
  requireCredentials(session.dialect);
  const { facts, dialect } = await session.server();
  const plans = requireCredentials(dialect);
  const expired = await session.transaction({ action: 'find expired credentials' }, (connection) => plans.readExpiredCredentials((query) => connection.query(query), facts));
  const swept: SweptCredential[] = [];
  for (const record of expired) {
    const tenant = parseTenantNames({ schemaName: record.schemaName, username: record.username }, dialect.rules);
    const context: ErrorContext = { action: `drop expired credential "${record.name}" of tenant "${record.schemaName}"`, ...tenant, credential: record.name, database: facts.database, adminRole: facts.adminRole };
    try {
      await session.runPlan(plans.planDrop(tenant, record.name, facts), context);
      swept.push({ ...toCredentialInfo(record), dropped: true });
    } catch (error) {
      swept.push({ ...toCredentialInfo(record), dropped: false, error: session.mapError(error, context) });
    }
  }
  return swept;
}

function toCredentialInfo(record: CredentialRecord): CredentialInfo {
  return { name: record.name, schemaName: record.schemaName, username: record.username, createdAt: record.createdAt, expiresAt: record.expiresAt, expired: record.expired };
}

/** A ttl in whole seconds, from 1 to a year. */
export function validateTtl(value: unknown): number {
  if (value === undefined) return DEFAULT_CREDENTIAL_TTL_SECONDS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_CREDENTIAL_TTL_SECONDS) {
    throw new ValidationError({
      field: 'ttl',
      rule: 'out-of-range',
      message: `ttl must be a whole number of seconds from 1 to ${MAX_CREDENTIAL_TTL_SECONDS} (a year), got ${JSON.stringify(value)}.`,
    });
  }
  return value;
}

function requireCredentials(dialect: TenantryDialect): TenantCredentialPlans {
  if (dialect.credentials) return dialect.credentials;
  throw new ValidationError({
    field: 'dialect',
    rule: 'unsupported-by-dialect',
    message: `Credentials that expire are not available for the ${dialect.name} dialect: ${dialect.client === 'mysql2' ? 'an account there cannot act as another one (no SET ROLE to a user), so an extra login could not be the tenant' : 'it has no counterpart Tenantry can promise and test yet'}. Nothing was changed.`,
  });
}

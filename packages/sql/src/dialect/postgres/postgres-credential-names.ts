import { generatePassword, ValidationError } from '@tenantry/core';

/**
 * Credential roles are named `tenantry_cred_` and 20 random lower-case
 * letters and digits: recognisable in `pg_roles` and in logs, far below
 * PostgreSQL's 63-byte limit, never quoted differently from how it reads,
 * and never a name a tenant or a person would pick.
 */
export const CREDENTIAL_NAME_PREFIX = 'tenantry_cred_';

const CREDENTIAL_NAME = /^tenantry_cred_[a-z0-9]{20}$/;

/** A fresh credential role name. */
export function newCredentialName(): string {
  return `${CREDENTIAL_NAME_PREFIX}${generatePassword(20).toLowerCase()}`;
}

/** Checks a credential name given back by a caller (revoke): it must have the form `newCredentialName` gives. */
export function validateCredentialName(value: unknown, field = 'credential'): string {
  if (typeof value !== 'string' || !CREDENTIAL_NAME.test(value)) {
    throw new ValidationError({
      field,
      rule: 'type',
      message: `${field} must be a credential name as issueCredentials returns it (${CREDENTIAL_NAME_PREFIX} and 20 lower-case letters or digits), got ${JSON.stringify(typeof value === 'string' ? value.slice(0, 80) : value)}.`,
    });
  }
  return value;
}

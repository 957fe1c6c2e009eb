export * from './errors/index.js';
export {
  validateIdentifier,
  validateSchemaName,
  validateRoleName,
  MAX_IDENTIFIER_BYTES,
  RESERVED_SCHEMA_NAMES,
  RESERVED_ROLE_NAMES,
} from './identifier-rules.js';
export { validatePassword, MAX_PASSWORD_LENGTH } from './password-policy.js';
export { generatePassword, PASSWORD_ALPHABET, DEFAULT_PASSWORD_LENGTH } from './password-generator.js';
export {
  scramSha256Verifier,
  scramSha256VerifierFromSaltedPassword,
  isScramSha256Verifier,
  DEFAULT_SCRAM_ITERATIONS,
  type ScramVerifierOptions,
} from './scram-verifier.js';
export {
  tenantConnectionString,
  formatConnectionString,
  redactConnectionString,
  validateConnectionUrl,
  connectionUrlSetsTls,
  type ConnectionParts,
} from './connection-string.js';
export { tenantTlsParameters, type PgSslSetting, type TenantTlsOptions } from './tenant-tls.js';
export { tenantTarget, hasTenantTarget, TENANT_CONNECTION_PARAMETERS, type TenantConnectionOptions, type TenantTarget } from './tenant-target.js';
export type { TenantConfig, TenantRef } from './tenant-config.js';
export { TenantCredentials, type TenantMigrationsRun } from './tenant-credentials.js';
export { IssuedCredentials } from './issued-credentials.js';
export { validateCreationOptions, type CreationOptions } from './creation-options.js';

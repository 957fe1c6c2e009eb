export { TenantryError, type TenantryErrorCode, type TenantryErrorOptions } from './tenantry-error.js';
export { ValidationError, type ValidationRule } from './validation-error.js';
export { TenantAlreadyExistsError } from './tenant-already-exists-error.js';
export { TenantNotFoundError } from './tenant-not-found-error.js';
export { TenantNotManagedError } from './tenant-not-managed-error.js';
export { PermissionError } from './permission-error.js';
export { ConnectionError } from './connection-error.js';
export { DatabaseNotPreparedError } from './database-not-prepared-error.js';
export { DatabaseError } from './database-error.js';

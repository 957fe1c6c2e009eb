import { ValidationError } from '@tenantry/core';

/** Tenants per page of `listTenantsPage` unless told otherwise, and the most it takes. */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 10_000;

/**
 * A page size from a caller: a whole number from 1 to `MAX_PAGE_SIZE`, the default when absent.
 *
 * @throws ValidationError (rule `out-of-range`).
 */
export function validatePageLimit(limit: unknown = DEFAULT_PAGE_SIZE): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ValidationError({
      field: 'limit',
      rule: 'out-of-range',
      message: `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${String(limit)}.`,
    });
  }
  return limit;
}

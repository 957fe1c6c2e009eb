// WORK IN PROGRESS (helper): bulk creation. Signatures are fixed; bodies to be written.
import type { TenantConfig, TenantCredentials } from '@tenantry/core';
import type { AdminSession } from './admin-session.js';
import type { CreateTenantsOptions, TenantCreationResult } from './database-admin-options.js';

/** Creates one tenant: `DatabaseAdmin.createTenant` bound to its options. */
export type CreateOne = (config: TenantConfig) => Promise<TenantCredentials>;

export async function createTenants(
  createOne: CreateOne,
  session: AdminSession,
  configs: Iterable<TenantConfig> | AsyncIterable<TenantConfig>,
  options: CreateTenantsOptions,
): Promise<TenantCreationResult[]> {
  void createOne; void session; void configs; void options;
  throw new Error('createTenants: not implemented yet');
}

export function createTenantsStream(
  createOne: CreateOne,
  session: AdminSession,
  configs: Iterable<TenantConfig> | AsyncIterable<TenantConfig>,
  options: CreateTenantsOptions,
): AsyncIterable<TenantCreationResult> {
  void createOne; void session; void configs; void options;
  throw new Error('createTenantsStream: not implemented yet');
}

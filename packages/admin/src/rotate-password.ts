import type { TenantCredentials, TenantRef } from '@tenantry/core';
import type { AdminSession } from './admin-session.js';
import type { RotatePasswordOptions } from './database-admin-options.js';

export async function rotatePassword(session: AdminSession, tenant: TenantRef, options: RotatePasswordOptions): Promise<TenantCredentials> {
  void session; void tenant; void options;
  throw new Error('rotatePassword: not implemented yet');
}

import type { AdminSession } from './admin-session.js';
import type { TenantDetails } from './database-admin-options.js';

export async function getTenant(session: AdminSession, schemaName: string): Promise<TenantDetails | undefined> {
  void session; void schemaName;
  throw new Error('getTenant: not implemented yet');
}

export async function tenantExists(session: AdminSession, schemaName: string): Promise<boolean> {
  return (await getTenant(session, schemaName)) !== undefined;
}

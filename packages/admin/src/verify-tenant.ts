// WORK IN PROGRESS (helper): isolation report. Signature is fixed; body to be written.
import type { AdminSession } from './admin-session.js';
import type { VerificationReport } from './database-admin-options.js';

export async function verifyTenant(session: AdminSession, schemaName: string): Promise<VerificationReport> {
  void session; void schemaName;
  throw new Error('verifyTenant: not implemented yet');
}

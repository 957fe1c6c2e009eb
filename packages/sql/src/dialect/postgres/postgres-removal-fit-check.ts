import { DatabaseError } from '@tenantry/core';
import { decodeSchemaMarker } from '../../tenant-marker.js';
import { REMOVAL_NEEDS_STAGES_SQLSTATE } from './postgres-plan-specs.js';
import type { RemovalSizeRow } from './postgres-removal-size-queries.js';

/**
 * Stops the one-transaction removal, with `REMOVAL_NEEDS_STAGES_SQLSTATE`,
 * when dropping the schema would take more locks than the admin's budget, or
 * when a removal in stages began (it must be resumed in stages). The remove
 * plan's check (`removalCheckStep`) makes it under the tenant's locks.
 */
export function checkFitsOneTransaction(size: RemovalSizeRow | undefined, schemaName: string): void {
  const removing = decodeSchemaMarker(size?.schema_comment)?.removing !== undefined;
  if (size && (removing || size.estimated_locks > size.lock_budget)) {
    throw new DatabaseError({
      sqlState: REMOVAL_NEEDS_STAGES_SQLSTATE,
      message: removing
        ? `Tenant "${schemaName}" is being removed in stages; resume it in stages.`
        : `Tenant "${schemaName}" needs about ${size.estimated_locks} locks to drop, over one transaction's budget of ${size.lock_budget}: remove it in stages.`,
    });
  }
}

import { describe, expect, it } from 'vitest';
import { ClusterNodeError, ConnectionError } from '@tenantry/core';
import { mapCitusError } from './citus-error-mapping.js';

describe("Citus's errors", () => {
  // The fields of the error Citus 13.2 raised on this machine when a worker was down during a rotation.
  const workerDown = Object.assign(
    new Error('connection to the remote node postgres@localhost:9702 failed with the following error: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?'),
    { code: '08006', severity: 'ERROR' },
  );

  it("name the worker that failed, as ClusterNodeError: the admin's own connection is fine", () => {
    const mapped = mapCitusError(workerDown, { action: 'rotate the password of tenant "acme"' });
    expect(mapped).toBeInstanceOf(ClusterNodeError);
    expect(mapped).toMatchObject({ node: 'localhost:9702', sqlState: '08006', code: 'CLUSTER_NODE' });
    expect(mapped.message).toContain('Citus worker localhost:9702');
  });

  it("leave the admin's own connection errors to PostgreSQL's mapping", () => {
    const own = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01', severity: 'FATAL' });
    expect(mapCitusError(own, { action: 'list tenants' })).toBeInstanceOf(ConnectionError);
  });
});

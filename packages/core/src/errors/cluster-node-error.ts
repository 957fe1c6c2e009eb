import { TenantryError } from './tenantry-error.js';

/**
 * A node of a cluster other than the one the admin is connected to (a Citus
 * worker) failed or refused a step: the message names the node and what it
 * said. Never the admin's own connection failing: that is `ConnectionError`.
 */
export class ClusterNodeError extends TenantryError {
  override readonly name = 'ClusterNodeError';
  /** The node, as `host:port`. */
  readonly node: string;

  constructor(options: { node: string; message: string; sqlState?: string; cause?: unknown }) {
    super('CLUSTER_NODE', options);
    this.node = options.node;
  }
}

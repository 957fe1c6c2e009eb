import { ValidationError } from '@tenantry/core';
import type { ServerConnectionFacts } from '@tenantry/sql';

/** `pg`'s pool size when a pool config sets no `max`. */
const PG_DEFAULT_POOL_MAX = 10;

/** Options of `connectionBudget`. */
export interface ConnectionBudgetOptions {
  /**
   * The pooler's server connections per tenant (PgBouncer: `default_pool_size`,
   * or `max_user_connections` when that is lower), when tenants connect
   * through one. Absent: tenants connect to the server directly.
   */
  poolSize?: number | undefined;
  /**
   * The pooler's cap on server connections to the database over all its
   * users (PgBouncer: `max_db_connections`); needs `poolSize`. Caps the
   * tenants' total, however many tenants there are.
   */
  poolerMaxConnections?: number | undefined;
  /**
   * Connections the admin side holds, when not this admin's pool: e.g. the
   * pools of every process that runs a `DatabaseAdmin`. Default: this admin's
   * pool `max` (`pg`'s 10 when its config sets none).
   */
  adminConnections?: number | undefined;
}

/** The connections the fleet can open at worst, against what the server has. */
export interface ConnectionBudget {
  /** `max_connections`. */
  maxConnections: number;
  /** Slots ordinary logins cannot take: `superuser_reserved_connections` (+ `reserved_connections` on PostgreSQL 16+). */
  reservedConnections: number;
  /** `maxConnections - reservedConnections`: what tenants and a non-superuser admin share. */
  available: number;
  /** `adminConnections` as given, else the most connections this admin's pool opens (`pg`'s default, 10, when its config sets none). */
  adminConnections: number;
  /** The pooler's per-tenant pool size the budget was computed with; undefined without a pooler. */
  poolSize: number | undefined;
  /** The pooler's cap over all tenants (`max_db_connections`), when given. */
  poolerMaxConnections: number | undefined;
  /** Tenants of this database. */
  tenants: number;
  /** Of them, those with no `CONNECTION LIMIT` (-1). */
  unlimitedTenants: number;
  /**
   * The most server connections the tenants can hold at once: the sum over
   * tenants of their limit, each capped by `poolSize` behind a pooler (where an
   * unlimited tenant counts as `poolSize`). Null when unbounded (an unlimited
   * tenant without a pooler).
   */
  tenantConnections: number | null;
  /** `tenantConnections + adminConnections`; null when unbounded. */
  worstCase: number | null;
  /** True when the worst case is more than `available`. */
  exceeds: boolean;
  /** Says why and what to do, when `exceeds`. */
  warning: string | undefined;
}

/** Checks a count of connections (`poolSize`, `adminConnections`): a whole number from `min` to 100,000, or absent. */
export function validateConnectionCount(value: unknown, field: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 100_000) {
    throw new ValidationError({ field, rule: 'out-of-range', message: `${field} must be a whole number from ${min} to 100000, got ${JSON.stringify(value)}.` });
  }
  return value;
}

/**
 * The budget's arithmetic (see the README, "Connection budget"): each tenant
 * can hold `min(limit, poolSize)` server connections behind a pooler (an
 * unlimited tenant: `poolSize`), the sum capped by the pooler's
 * `max_db_connections` when given; `limit` without one (unlimited: no bound);
 * the admin's pool adds its `max`. The fleet fits when that sum is at most
 * `max_connections` minus the reserved slots.
 */
export function computeConnectionBudget(
  facts: ServerConnectionFacts,
  adminPoolMax: number | undefined,
  pooler: { poolSize: number | undefined; poolerMaxConnections: number | undefined },
): ConnectionBudget {
  const { poolSize, poolerMaxConnections } = pooler;
  const adminConnections = adminPoolMax ?? PG_DEFAULT_POOL_MAX;
  const available = facts.maxConnections - facts.reservedConnections;
  const limits = facts.tenantConnectionLimits;
  const unlimitedTenants = limits.filter((limit) => limit < 0).length;
  let tenantConnections: number | null;
  if (poolSize !== undefined) {
    const perTenant = limits.reduce((sum, limit) => sum + (limit < 0 ? poolSize : Math.min(limit, poolSize)), 0);
    tenantConnections = poolerMaxConnections === undefined ? perTenant : Math.min(perTenant, poolerMaxConnections);
  } else tenantConnections = unlimitedTenants > 0 ? null : limits.reduce((sum, limit) => sum + limit, 0);
  const worstCase = tenantConnections === null ? null : tenantConnections + adminConnections;
  const exceeds = worstCase === null || worstCase > available;
  return {
    maxConnections: facts.maxConnections,
    reservedConnections: facts.reservedConnections,
    available,
    adminConnections,
    poolSize,
    poolerMaxConnections,
    tenants: limits.length,
    unlimitedTenants,
    tenantConnections,
    worstCase,
    exceeds,
    warning: exceeds ? budgetWarning({ available, worstCase, unlimitedTenants, poolSize }) : undefined,
  };
}

function budgetWarning({ available, worstCase, unlimitedTenants, poolSize }: { available: number; worstCase: number | null; unlimitedTenants: number; poolSize: number | undefined }): string {
  if (worstCase === null) {
    return (
      `${unlimitedTenants} tenant(s) have no connection limit and connect to the server directly, so the fleet can take all ${available} available connections: ` +
      'give tenants a connectionLimit, or put them behind a pooler (tenantConnection host/port) and pass its pool size.'
    );
  }
  return (
    `The fleet can open ${worstCase} server connections at once (tenants and the admin's pool), more than the ${available} the server has for them: ` +
    (poolSize === undefined ? 'lower tenants\' connectionLimit, put them behind a pooler, ' : 'lower the pooler\'s pool size or its max_db_connections, ') +
    'or raise max_connections.'
  );
}

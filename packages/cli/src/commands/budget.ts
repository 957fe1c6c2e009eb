import type { ConnectionBudget } from '@tenantry/admin';
import { booleanValue, connectionOptions, helpOption, integerValue, jsonOption, type ParsedArgs } from '../args.js';
import { databaseUrlOf, type CommandContext, type CommandDefinition } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatFields, type Style } from '../output.js';
import { UsageError } from '../usage-error.js';

export interface BudgetOptions {
  databaseUrl?: string | undefined;
  /** The pooler's server connections per tenant (PgBouncer's default_pool_size); absent when tenants connect directly. */
  poolSize?: number | undefined;
  /** The pooler's cap over all tenants (PgBouncer's max_db_connections). */
  poolerMaxConnections?: number | undefined;
  /** Connections the admin side holds; default: this command's pool. */
  adminConnections?: number | undefined;
  json?: boolean;
}

/**
 * The connection budget (`admin.connectionBudget`): what the fleet can open at
 * worst against what the server has. Exit 1 when it can exceed the server.
 */
export async function connectionBudget(options: BudgetOptions, context: CommandContext): Promise<number> {
  const { output } = context;
  return context.withAdmin(options.databaseUrl, async ({ admin }) => {
    const budget = await admin.connectionBudget({ poolSize: options.poolSize, poolerMaxConnections: options.poolerMaxConnections, adminConnections: options.adminConnections });
    if (options.json) await output.json(budget);
    else await output.out(budgetText(budget, output.style));
    if (budget.warning !== undefined && !options.json) output.warn(budget.warning);
    return budget.exceeds ? ExitCode.failure : ExitCode.ok;
  });
}

function budgetText(budget: ConnectionBudget, style: Style): string {
  const unbounded = 'unbounded';
  const headline = budget.exceeds
    ? `${style.red('✘')} The fleet can open more connections than the server has for it.`
    : `${style.green('✔')} The fleet fits: at worst ${budget.worstCase} of ${budget.available} connections.`;
  return (
    `${headline}\n` +
    formatFields(
      [
        ['max_connections', String(budget.maxConnections)],
        ['reserved', `${budget.reservedConnections} (superuser_reserved_connections, reserved_connections)`],
        ['available', String(budget.available)],
        ['tenants', `${budget.tenants} (${budget.unlimitedTenants} without a connection limit)`],
        ['pooler pool size', budget.poolSize === undefined ? 'none: tenants connect directly' : `${budget.poolSize} per tenant`],
        ...(budget.poolerMaxConnections === undefined ? [] : [['pooler cap', `${budget.poolerMaxConnections} over all tenants`] as [string, string]]),
        ['tenant connections', budget.tenantConnections === null ? unbounded : String(budget.tenantConnections)],
        ['admin connections', String(budget.adminConnections)],
        ['worst case', budget.worstCase === null ? unbounded : String(budget.worstCase)],
      ],
      style,
    )
  );
}

export const budget: CommandDefinition = {
  name: 'budget',
  summary: "Add up the connections the fleet can open against the server's max_connections; exit 1 when it can exceed it.",
  usage: ['budget [--pool-size <n> [--pooler-max-connections <n>]] [--admin-connections <n>] [--json]'],
  description:
    "Reads each tenant's CONNECTION LIMIT and the server's max_connections (less superuser_reserved_connections, and reserved_connections on PostgreSQL 16+), " +
    "and adds up the worst case: each tenant's limit, capped by the pooler's per-tenant pool size when tenants connect through one (a tenant without a limit counts as the pool size; " +
    'without a pooler it makes the fleet unbounded), plus the admin\'s connections. Exit 0 when that fits, 1 when the fleet can exceed the server (with a warning saying what to change).',
  options: {
    'pool-size': {
      type: 'string',
      value: '<n>',
      description:
        "The pooler's server connections per tenant (PgBouncer: default_pool_size, or max_user_connections when lower), when tenants connect through one. Default: TENANTRY_POOLER_POOL_SIZE, else poolerPoolSize in the config file, else none (tenants connect directly).",
    },
    'pooler-max-connections': {
      type: 'string',
      value: '<n>',
      description: "The pooler's cap on server connections to the database over all tenants (PgBouncer: max_db_connections). Needs --pool-size.",
    },
    'admin-connections': { type: 'string', value: '<n>', description: "Connections your admin processes hold in all. Default: this command's own pool (10)." },
    ...connectionOptions,
    ...jsonOption,
    ...helpOption,
  },
  positionals: { min: 0, max: 0, names: '' },
  examples: [
    'tenantry budget',
    'tenantry budget --pool-size 20   # tenants behind PgBouncer with default_pool_size = 20',
    'tenantry budget --pool-size 20 --pooler-max-connections 80 --json | jq .worstCase',
  ],
  run(args: ParsedArgs, context) {
    const poolSize = integerValue(args, 'pool-size', context.command, { min: 1, max: 100_000 }) ?? context.defaults.poolerPoolSize;
    const poolerMaxConnections = integerValue(args, 'pooler-max-connections', context.command, { min: 1, max: 100_000 });
    if (poolerMaxConnections !== undefined && poolSize === undefined) throw new UsageError('--pooler-max-connections needs --pool-size (the pooler\'s per-tenant pool size).', { command: context.command });
    return connectionBudget(
      {
        databaseUrl: databaseUrlOf(args),
        poolSize,
        poolerMaxConnections,
        adminConnections: integerValue(args, 'admin-connections', context.command, { min: 0, max: 100_000 }),
        json: booleanValue(args, 'json'),
      },
      context,
    );
  },
};

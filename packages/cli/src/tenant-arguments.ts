import type { CommandContext } from './command.js';
import { asUsage } from './usage-error.js';

/*
 * A tenant's names given on the command line, checked before connecting by
 * the rules of the dialect the admin will run (PostgreSQL's and MySQL's
 * differ): a bad one is a usage error (exit 2), and nothing is done.
 */

/** A schema name as an argument, by the target dialect's rules: a bad one is a usage error (exit 2), before connecting. */
export async function usableSchemaName(schemaName: string, databaseUrl: string | undefined, context: CommandContext): Promise<string> {
  const dialect = await context.targetDialect(databaseUrl);
  return asUsage(context.command, () => dialect.rules.validateSchemaName(schemaName));
}

/** A tenant's schema and login name as arguments, by the target dialect's rules: bad ones are a usage error (exit 2), before connecting. */
export async function usableTenantNames(ref: { schemaName: string; username: string }, databaseUrl: string | undefined, context: CommandContext): Promise<void> {
  const dialect = await context.targetDialect(databaseUrl);
  const { parseTenantNames } = await import('@tenantry/sql');
  asUsage(context.command, () => parseTenantNames(ref, dialect.rules));
}

import type { TenantInfo } from '@tenantry/admin';
import { booleanValue, connectionOptions, helpOption, integerValue, jsonOption, stringValue, type ParsedArgs } from '../args.js';
import { databaseUrlOf, type CommandContext, type CommandDefinition } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatTable, printable, type Style } from '../output.js';
import { UsageError } from '../usage-error.js';

export interface ListOptions {
  databaseUrl?: string | undefined;
  /** One page of at most this many tenants (1 to 10,000); absent for all. */
  limit?: number | undefined;
  /** The previous page's cursor (its last schema name). */
  after?: string | undefined;
  json?: boolean;
}

/** Lists the tenants Tenantry created in the database, by schema name (`listTenants` / `listTenantsPage`). */
export async function listTenants(options: ListOptions, context: CommandContext): Promise<number> {
  const { output } = context;
  return context.withAdmin(options.databaseUrl, async ({ admin }) => {
    const paged = options.limit !== undefined || options.after !== undefined;
    const page = paged ? await admin.listTenantsPage({ limit: options.limit ?? 100, after: options.after }) : { tenants: await admin.listTenants(), nextCursor: undefined };
    if (options.json) {
      await output.json(paged ? page : { tenants: page.tenants });
      return ExitCode.ok;
    }
    if (page.tenants.length === 0) {
      await output.out(paged && options.after !== undefined ? 'No more tenants.\n' : 'No tenants.\n');
    } else {
      await output.out(tenantTable(page.tenants, output.style));
    }
    if (page.nextCursor !== undefined) {
      output.err(`More tenants follow: tenantry list --limit ${options.limit ?? 100} --after ${shellQuote(page.nextCursor)}`);
    }
    return ExitCode.ok;
  });
}

export function tenantTable(tenants: readonly TenantInfo[], style: Style): string {
  return formatTable(
    ['SCHEMA', 'USERNAME', 'CREATED', 'ROLE', 'LABELS'],
    tenants.map((tenant) => [
      tenant.schemaName,
      tenant.username,
      tenant.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      tenant.removing ? style.yellow('removing') : !tenant.roleIntact ? style.red('broken') : tenant.suspended ? style.yellow('suspended') : 'ok',
      formatLabels(tenant.labels),
    ]),
    style,
  );
}

export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? '-' : entries.map(([key, value]) => `${printable(key)}=${printable(value)}`).join(';');
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export const list: CommandDefinition = {
  name: 'list',
  summary: 'List the tenants Tenantry created in the database.',
  usage: ['list [--limit <n> [--after <cursor>]] [--json]'],
  description:
    'Lists the tenants Tenantry created in this database (found by their markers, never by name), ordered by schema name. ' +
    'With --limit, one page; the cursor of the next page is printed on stderr (and is nextCursor in --json).',
  options: {
    limit: { type: 'string', value: '<n>', description: 'One page of at most <n> tenants (1 to 10000).' },
    after: { type: 'string', value: '<cursor>', description: 'The page after this cursor (the previous page\'s nextCursor).' },
    ...connectionOptions,
    ...jsonOption,
    ...helpOption,
  },
  positionals: { min: 0, max: 0, names: '' },
  examples: ['tenantry list', 'tenantry list --json | jq -r ".tenants[].schemaName"', 'tenantry list --limit 100 --after tenant_m'],
  run(args: ParsedArgs, context: CommandContext) {
    const after = stringValue(args, 'after');
    if (after === '') throw new UsageError('--after must not be empty.', { command: context.command });
    return listTenants(
      {
        databaseUrl: databaseUrlOf(args),
        limit: integerValue(args, 'limit', context.command, { min: 1, max: 10_000 }),
        after,
        json: booleanValue(args, 'json'),
      },
      context,
    );
  },
};

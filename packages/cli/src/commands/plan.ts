import type { Plan } from '@tenantry/sql';
import { booleanValue, dateValue, helpOption, integerValue, jsonOption, listValue, requireString, stringValue, type ParsedArgs } from '../args.js';
import type { CommandContext, CommandDefinition } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { creationFields, creationOptions, type CreationFields } from '../tenant-options.js';
import { asUsage, UsageError } from '../usage-error.js';

export type PlanAction = 'create' | 'remove' | 'init' | 'rotate-password';

export interface PlanOptions {
  action: PlanAction;
  /** The PostgreSQL major to plan for. Default 18 (16 and later plan alike). */
  serverMajor?: number;
  schemaName?: string;
  username?: string;
  /** create: the database the tenant lives in. */
  database?: string;
  fields?: CreationFields;
  /** remove, rotate-password: the admin role when it is not superuser. */
  adminRole?: string | undefined;
  /** init: roles that keep USAGE on public. */
  keepPublicFor?: readonly string[];
  terminateSessions?: boolean;
  validUntil?: Date | null | undefined;
  json?: boolean;
}

/**
 * Prints the statements of a create, remove, init or rotate-password plan
 * without connecting anywhere: the plan functions of @tenantry/sql with the
 * facts given on the command line. The password is the verifier of a
 * throwaway generated password, so the SQL has its exact shape; it prints
 * redacted like every verifier.
 */
export async function printPlan(options: PlanOptions, context: CommandContext): Promise<number> {
  const { output, command } = context;
  const { createDialect, parseTenantNames, parseTenantSpec } = await import('@tenantry/sql');
  const { placeholderPassword, planText } = await import('../plans.js');
  const major = options.serverMajor ?? 18;
  const dialect = createDialect(OFFLINE_DIALECT);
  // The server's facts, as the command line gives them: no server to read them from.
  const facts = {
    versionNum: major * 10_000,
    version: String(major),
    database: options.database ?? '',
    adminRole: options.adminRole ?? 'the admin',
    isSuperuser: options.adminRole === undefined,
    missingToCreate: [],
    extensions: [],
  };
  const ref = () => ({ schemaName: options.schemaName!, username: options.username! });
  const passwordSecret = await dialect.passwordSecret(placeholderPassword(), { scramIterations: 4096 });
  const plan: Plan = asUsage(command, () => {
    switch (options.action) {
      case 'create': {
        const tenant = parseTenantSpec({ ...ref(), ...options.fields }, dialect);
        return dialect.planCreateTenant({ tenant, passwordSecret, requirePreparedDatabase: true }, facts);
      }
      case 'remove':
        return dialect.planRemoveTenant({ ...parseTenantNames(ref(), dialect.rules), dropOwnedInOtherDatabases: false }, facts);
      case 'rotate-password':
        return dialect.planRotatePassword(
          { ...parseTenantNames(ref(), dialect.rules), passwordSecret, validUntil: options.validUntil, terminateSessions: options.terminateSessions ?? false },
          facts,
        );
      case 'init':
        // What prepare runs on a database nobody prepared yet: PUBLIC holds the defaults of that version.
        return dialect.planPrepareOffline(facts, { keepPublicFor: [...new Set(options.keepPublicFor ?? [])] }).plan;
    }
  });
  if (options.json) {
    await output.json({ offline: true, action: plan.action, serverMajor: major, statements: plan.statements.map((statement) => statement.toJSON()) });
  } else {
    await output.out(planText(plan, 'nothing to run'));
  }
  output.err(
    `Planned for PostgreSQL ${major} without connecting${options.action === 'init' ? ', for a database never prepared' : ''}` +
      `${options.action === 'create' || options.action === 'rotate-password' ? '; the password verifier is a placeholder, shown redacted' : ''}.`,
  );
  return ExitCode.ok;
}

/** `tenantry plan` plans for PostgreSQL: the dialect whose plans depend on no state but the version. */
const OFFLINE_DIALECT = 'postgres';

/** The majors @tenantry/sql plans for (its SUPPORTED_POSTGRES_MAJORS; a test keeps them equal). Here so --help needs no import of it. */
export const PLAN_MAJORS: readonly number[] = [14, 15, 16, 17, 18];

const ACTIONS: readonly PlanAction[] = ['create', 'remove', 'init', 'rotate-password'];

/** Which options each action takes, besides --server-version, --json and --help. */
const ACTION_OPTIONS: Readonly<Record<PlanAction, readonly string[]>> = {
  create: ['schema', 'username', 'database', ...Object.keys(creationOptions)],
  remove: ['schema', 'username', 'admin-role'],
  'rotate-password': ['schema', 'username', 'admin-role', 'terminate-sessions', 'valid-until'],
  init: ['keep-public-for'],
};

export const plan: CommandDefinition = {
  name: 'plan',
  summary: 'Print the SQL of create, remove, init or rotate-password without connecting.',
  usage: [
    'plan create --schema <name> --username <name> --database <name> [creation options]',
    'plan remove --schema <name> --username <name> [--admin-role <role>]',
    'plan init [--keep-public-for <role>]...',
    'plan rotate-password --schema <name> --username <name> [--terminate-sessions] [--valid-until <date|never>] [--admin-role <role>]',
  ],
  description:
    'Prints, in order, the statements Tenantry would run, built from the command line alone: no connection is made, so it works anywhere (code review, change tickets). ' +
    'Passwords enter as a SCRAM verifier of a throwaway password and print redacted. For the statements against a live database (which depend on its state) use --dry-run on the command itself.',
  options: {
    schema: { type: 'string', value: '<name>', description: "The tenant's schema (create, remove, rotate-password)." },
    username: { type: 'string', value: '<name>', description: "The tenant's role (create, remove, rotate-password)." },
    database: { type: 'string', value: '<name>', description: 'create: the database the tenant lives in (its settings are per database).' },
    ...creationOptions,
    'admin-role': {
      type: 'string',
      value: '<role>',
      description: 'remove, rotate-password: the admin role, when it is not superuser (it then borrows the tenant role for the drops). Default: a superuser.',
    },
    'terminate-sessions': { type: 'boolean', description: "rotate-password: also end the tenant's sessions." },
    'valid-until': { type: 'string', value: '<date|never>', description: 'create, rotate-password: the password expiry.' },
    'keep-public-for': { type: 'string', multiple: true, value: '<role>', description: 'init: a role that keeps USAGE on schema public. Repeatable.' },
    'server-version': { type: 'string', value: '<major>', description: `The PostgreSQL major to plan for (${PLAN_MAJORS.join(', ')}). Default 18.` },
    ...jsonOption,
    ...helpOption,
  },
  positionals: { min: 1, max: 1, names: '<create|remove|init|rotate-password>' },
  examples: [
    'tenantry plan create --schema tenant_acme --username acme_user --database app',
    'tenantry plan remove --schema tenant_acme --username acme_user --admin-role app_admin --server-version 15',
    'tenantry plan init --keep-public-for app_role --server-version 14',
  ],
  run(args: ParsedArgs, context: CommandContext) {
    const command = context.command;
    const action = args.positionals[0] as PlanAction;
    if (!ACTIONS.includes(action)) throw new UsageError(`unknown plan '${args.positionals[0]}': expected create, remove, init or rotate-password.`, { command });
    const allowed = new Set([...ACTION_OPTIONS[action], 'server-version', 'json', 'help']);
    for (const [name, value] of Object.entries(args.values)) {
      if (value !== undefined && !allowed.has(name)) throw new UsageError(`--${name} does not apply to plan ${action}.`, { command });
    }
    const majors = PLAN_MAJORS;
    const serverMajor = integerValue(args, 'server-version', command, { min: Math.min(...majors), max: Math.max(...majors) });
    const needsTenant = action !== 'init';
    if (action === 'create' && stringValue(args, 'valid-until') !== undefined && dateValue(args, 'valid-until', command, false) === null) {
      throw new UsageError('--valid-until never does not apply to create: omit it for no expiry.', { command });
    }
    const fields = action === 'create' ? creationFields(args, command) : undefined;
    return printPlan(
      {
        action,
        ...(serverMajor !== undefined ? { serverMajor } : {}),
        ...(needsTenant ? { schemaName: requireString(args, 'schema', command), username: requireString(args, 'username', command) } : {}),
        ...(action === 'create' ? { database: requireString(args, 'database', command), fields } : {}),
        adminRole: stringValue(args, 'admin-role'),
        keepPublicFor: listValue(args, 'keep-public-for'),
        terminateSessions: booleanValue(args, 'terminate-sessions'),
        validUntil: action === 'rotate-password' ? dateValue(args, 'valid-until', command, true) : undefined,
        json: booleanValue(args, 'json'),
      },
      context,
    );
  },
};

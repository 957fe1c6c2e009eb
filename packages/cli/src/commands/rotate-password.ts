import {
  booleanValue,
  connectionOptions,
  dateValue,
  dryRunOption,
  helpOption,
  jsonOption,
  requireString,
  tenantTargetOptions,
  tenantTargetValue,
  type ParsedArgs,
  type TenantTargetSetting,
} from '../args.js';
import { databaseUrlOf, type CommandContext, type CommandDefinition } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { usableTenantNames } from '../tenant-arguments.js';
import { passwordOptions, readGivenPassword } from '../secrets.js';
import { printCredentials } from './create.js';

export interface RotatePasswordCommandOptions {
  databaseUrl?: string | undefined;
  schemaName: string;
  username: string;
  /** The new password; undefined to have one generated (and shown once). */
  password?: string | undefined;
  /** Also end the tenant's open sessions. */
  terminateSessions?: boolean;
  /** New expiry; null for none; undefined to keep the current one. */
  validUntil?: Date | null | undefined;
  dryRun?: boolean;
  json?: boolean;
  /** Where tenants connect, when not the admin's server (`--tenant-host`, ...). */
  tenantConnection?: TenantTargetSetting | undefined;
}

/** Gives a tenant a new password (`admin.rotatePassword`); a generated one is shown once. */
export async function rotateTenantPassword(options: RotatePasswordCommandOptions, context: CommandContext): Promise<number> {
  const { output } = context;
  await usableTenantNames(options, options.databaseUrl, context);
  const ref = { schemaName: options.schemaName, username: options.username };
  return context.withAdmin(options.databaseUrl, async (handle) => {
    if (options.dryRun) {
      const { planDocument, planText } = await import('../plans.js');
      const plan = await handle.admin.planRotatePassword(ref, { validUntil: options.validUntil, terminateSessions: options.terminateSessions ?? false });
      if (options.json) await output.json(planDocument(plan, ref));
      else await output.out(planText(plan, 'nothing to run'));
      output.err('Dry run: nothing was changed.');
      return ExitCode.ok;
    }
    const credentials = await handle.admin.rotatePassword(ref, {
      password: options.password,
      terminateSessions: options.terminateSessions ?? false,
      ...(options.validUntil !== undefined ? { validUntil: options.validUntil } : {}),
    });
    await printCredentials(output, credentials, { generated: options.password === undefined, verb: 'New password for', json: options.json ?? false });
    return ExitCode.ok;
  }, { tenantConnection: options.tenantConnection });
}

export const rotatePassword: CommandDefinition = {
  name: 'rotate-password',
  summary: "Give a tenant a new password (generated, or from stdin or a file).",
  usage: ['rotate-password --schema <name> --username <name> [--password-stdin | --password-file <path>] [--terminate-sessions] [--valid-until <date|never>]'],
  description:
    'Replaces the password of a tenant role (as a SCRAM verifier: the plaintext never reaches the server). New logins need the new password at once; ' +
    'open sessions stay logged in unless --terminate-sessions. Without --password-stdin or --password-file a password is generated and shown once.',
  options: {
    schema: { type: 'string', value: '<name>', description: "The tenant's schema." },
    username: { type: 'string', value: '<name>', description: "The tenant's role." },
    ...passwordOptions,
    'terminate-sessions': { type: 'boolean', description: "Also end the tenant's open sessions." },
    'valid-until': { type: 'string', value: '<date|never>', description: 'New password expiry (ISO 8601), or never; default: keep the current one.' },
    ...dryRunOption,
    ...connectionOptions,
    ...tenantTargetOptions,
    ...jsonOption,
    ...helpOption,
  },
  positionals: { min: 0, max: 0, names: '' },
  examples: [
    'tenantry rotate-password --schema tenant_acme --username acme_user --terminate-sessions',
    'vault read -field=pw secret/acme | tenantry rotate-password --schema tenant_acme --username acme_user --password-stdin',
  ],
  async run(args: ParsedArgs, context) {
    const command = context.command;
    const schemaName = requireString(args, 'schema', command);
    const username = requireString(args, 'username', command);
    const validUntil = dateValue(args, 'valid-until', command, true);
    const password = await readGivenPassword(args, context);
    return rotateTenantPassword(
      {
        databaseUrl: databaseUrlOf(args),
        schemaName,
        username,
        password,
        terminateSessions: booleanValue(args, 'terminate-sessions'),
        validUntil,
        dryRun: booleanValue(args, 'dry-run'),
        json: booleanValue(args, 'json'),
        tenantConnection: tenantTargetValue(args, command, context.defaults.tenantConnection),
      },
      context,
    );
  },
};

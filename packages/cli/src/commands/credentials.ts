import type { CredentialInfo, IssuedCredentials } from '@tenantry/admin';
import { booleanValue, connectionOptions, helpOption, jsonOption, requireString, stringValue, type ParsedArgs } from '../args.js';
import { databaseUrlOf, type CommandContext, type CommandDefinition } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatFields, formatTable, type Output } from '../output.js';
import { usableTenantNames } from '../tenant-arguments.js';
import { UsageError } from '../usage-error.js';

/** What `tenantry credentials` can do. */
export const CREDENTIALS_ACTIONS = ['issue', 'revoke', 'list', 'sweep'] as const;
export type CredentialsAction = (typeof CREDENTIALS_ACTIONS)[number];

export interface CredentialsOptions {
  databaseUrl?: string | undefined;
  action: CredentialsAction;
  /** The tenant (all but `sweep`). */
  schemaName?: string | undefined;
  username?: string | undefined;
  /** `issue`: seconds the credential lives; default an hour. */
  ttlSeconds?: number | undefined;
  /** `revoke`: the credential's login name. */
  credential?: string | undefined;
  json?: boolean;
}

/**
 * Extra logins that act as a tenant and expire (`issueCredentials`,
 * `revokeCredentials`, `listCredentials`, `sweepCredentials`). An issued
 * password is shown once. Exit 1 when a sweep could not drop a credential.
 */
export async function runCredentials(options: CredentialsOptions, context: CommandContext): Promise<number> {
  const { output } = context;
  const tenant = options.action === 'sweep' ? undefined : { schemaName: options.schemaName ?? '', username: options.username ?? '' };
  if (tenant) await usableTenantNames(tenant, options.databaseUrl, context);
  return context.withAdmin(options.databaseUrl, async ({ admin }) => {
    switch (options.action) {
      case 'issue': {
        const credentials = await admin.issueCredentials(tenant!, { ttl: options.ttlSeconds });
        await printIssued(output, credentials, options.json ?? false);
        return ExitCode.ok;
      }
      case 'revoke': {
        await admin.revokeCredentials(tenant!, options.credential!);
        if (options.json) await output.json({ revoked: options.credential, schemaName: tenant!.schemaName });
        else await output.out(`${output.style.green('✔')} Revoked ${output.style.bold(options.credential!)} of ${tenant!.schemaName}: its sessions ended, the login is gone.\n`);
        return ExitCode.ok;
      }
      case 'list': {
        const credentials = await admin.listCredentials(tenant!);
        if (options.json) await output.json({ schemaName: tenant!.schemaName, credentials });
        else await output.out(credentials.length === 0 ? 'No credentials.\n' : credentialTable(credentials, output));
        return ExitCode.ok;
      }
      case 'sweep': {
        const swept = await admin.sweepCredentials();
        const failed = swept.filter((credential) => !credential.dropped);
        if (options.json) {
          await output.json({ swept: swept.map(({ error, ...credential }) => ({ ...credential, ...(error ? { error: error.message } : {}) })) });
        } else {
          await output.out(swept.length === 0 ? 'No expired credentials.\n' : `Dropped ${swept.length - failed.length} expired credential(s).\n` + credentialTable(swept, output));
        }
        for (const credential of failed) output.err(`${output.errStyle.red('error:')} ${credential.name}: ${credential.error?.message ?? 'not dropped'}`);
        return failed.length > 0 ? ExitCode.failure : ExitCode.ok;
      }
    }
  });
}

async function printIssued(output: Output, credentials: IssuedCredentials, json: boolean): Promise<void> {
  const document = {
    username: credentials.username,
    schemaName: credentials.schemaName,
    tenantUsername: credentials.tenantUsername,
    expiresAt: credentials.expiresAt.toISOString(),
    password: credentials.password,
    connectionString: credentials.connectionString,
  };
  if (json) {
    await output.json(document);
    return;
  }
  const { style } = output;
  await output.out(
    `${style.green('✔')} Credentials for ${style.bold(credentials.schemaName)}\n` +
      formatFields(
        [
          ['username', document.username],
          ['acts as', document.tenantUsername],
          ['expires', document.expiresAt],
          ['password', document.password],
          ['connection string', document.connectionString],
        ],
        style,
      ) +
      `${style.yellow('The password is shown this once: store it now.')}\n`,
  );
}

function credentialTable(credentials: readonly (CredentialInfo & { dropped?: boolean })[], output: Output): string {
  const { style } = output;
  return formatTable(
    ['CREDENTIAL', 'SCHEMA', 'CREATED', 'EXPIRES', 'STATE'],
    credentials.map((credential) => [
      credential.name,
      credential.schemaName,
      credential.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      credential.expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      credential.dropped === true ? 'dropped' : credential.dropped === false ? style.red('not dropped') : credential.expired ? style.yellow('expired') : 'valid',
    ]),
    style,
  );
}

/** `90`, `90s`, `15m`, `12h`, `7d` to seconds. */
export function parseTtl(text: string, command: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match?.[2] ?? ''] ?? 1;
  const seconds = match ? Number(match[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > 365 * 86_400) {
    throw new UsageError(`--ttl must be a duration from 1s to 365d (a number of seconds, or with s, m, h or d), got '${text}'.`, { command });
  }
  return seconds;
}

export const credentials: CommandDefinition = {
  name: 'credentials',
  summary: 'Issue, revoke, list or sweep extra logins that act as a tenant and expire.',
  usage: [
    'credentials issue --schema <name> --username <name> [--ttl <duration>] [--json]',
    'credentials revoke --schema <name> --username <name> --credential <login> [--json]',
    'credentials list --schema <name> --username <name> [--json]',
    'credentials sweep [--json]',
  ],
  description:
    "Short-lived extra logins for a tenant, as Vault issues them (PostgreSQL only). A credential logs in with its own name and password and acts as the tenant: " +
    "its sessions start in the tenant's role, what it creates belongs to the tenant, and it can do nothing the tenant cannot. It stops logging in after --ttl " +
    '(default 1h, at most 365d). The tenant\'s own password keeps working. issue shows the password once; revoke ends the credential\'s sessions and drops it; ' +
    "list shows a tenant's credentials and which expired; sweep drops every expired credential of every tenant (exit 1 if one could not be dropped). " +
    'A suspended tenant gets none.',
  options: {
    schema: { type: 'string', value: '<name>', description: "The tenant's schema (all but sweep)." },
    username: { type: 'string', value: '<name>', description: "The tenant's role (all but sweep)." },
    ttl: { type: 'string', value: '<duration>', description: 'issue: how long it can log in: seconds, or 90s, 15m, 12h, 7d (default 1h, at most 365d).' },
    credential: { type: 'string', value: '<login>', description: "revoke: the credential's login name (tenantry_cred_...)." },
    ...connectionOptions,
    ...jsonOption,
    ...helpOption,
  },
  positionals: { min: 1, max: 1, names: '<issue|revoke|list|sweep>' },
  examples: [
    'tenantry credentials issue --schema tenant_acme --username acme_user --ttl 1h --json',
    'tenantry credentials revoke --schema tenant_acme --username acme_user --credential tenantry_cred_0a1b2c3d4e5f6g7h8i9j',
    'tenantry credentials list --schema tenant_acme --username acme_user',
    'tenantry credentials sweep',
  ],
  run(args: ParsedArgs, context: CommandContext) {
    const command = context.command;
    const action = args.positionals[0]! as CredentialsAction;
    if (!CREDENTIALS_ACTIONS.includes(action)) {
      throw new UsageError(`unknown action '${action}': expected one of ${CREDENTIALS_ACTIONS.join(', ')}.`, { command });
    }
    const only = (option: string, actions: readonly CredentialsAction[]) => {
      if (stringValue(args, option) !== undefined && !actions.includes(action)) throw new UsageError(`--${option} does not apply to 'credentials ${action}'.`, { command });
    };
    only('ttl', ['issue']);
    only('credential', ['revoke']);
    only('schema', ['issue', 'revoke', 'list']);
    only('username', ['issue', 'revoke', 'list']);
    const ttl = stringValue(args, 'ttl');
    return runCredentials(
      {
        databaseUrl: databaseUrlOf(args),
        action,
        ...(action === 'sweep' ? {} : { schemaName: requireString(args, 'schema', command), username: requireString(args, 'username', command) }),
        ttlSeconds: ttl === undefined ? undefined : parseTtl(ttl, command),
        credential: action === 'revoke' ? requireString(args, 'credential', command) : undefined,
        json: booleanValue(args, 'json'),
      },
      context,
    );
  },
};

/**
 * @tenantry/cli: the `tenantry` command as a library. Every command is an
 * exported function taking typed options and a `CommandContext`; `main` parses
 * a command line and dispatches, returning the exit code.
 *
 * ```ts
 * import { main } from '@tenantry/cli';
 * const code = await main(['list', '--json'], { ...processIo(), env: { DATABASE_URL: url } });
 * ```
 */
export { main, commands, version } from './main.js';
export { processIo, type CliIo } from './io.js';
export { ExitCode } from './exit-codes.js';
export { UsageError } from './usage-error.js';
export { createContext, type CommandContext, type CommandDefinition } from './command.js';
export { resolveConnection, type ResolvedConnection } from './connection.js';
export { AdminHandle } from './admin-handle.js';
export { initDatabase, type InitOptions } from './commands/init.js';
export { createTenant, type CreateOptions } from './commands/create.js';
export { createFromFile, type CreateFromFileOptions, type BulkSummary, type RowFailure } from './bulk/create-from-file.js';
export { readTenantRows, type TenantRow, type InputFormat } from './bulk/tenant-rows.js';
export { listTenants, type ListOptions } from './commands/list.js';
export { showTenant, type ShowOptions } from './commands/show.js';
export { verifyTenant, type VerifyOptions } from './commands/verify.js';
export { connectionBudget, type BudgetOptions } from './commands/budget.js';
export { rotateTenantPassword, type RotatePasswordCommandOptions } from './commands/rotate-password.js';
export { migrateTenants, type MigrateOptions } from './commands/migrate.js';
export { removeTenant, type RemoveOptions } from './commands/remove.js';
export { printPlan, type PlanOptions, type PlanAction } from './commands/plan.js';
export { runDemo } from './commands/demo.js';

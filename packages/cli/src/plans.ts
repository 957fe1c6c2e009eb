import { generatePassword } from '@tenantry/core';
import { formatPlan, type Plan } from '@tenantry/sql';

/*
 * Dry runs: the plans come from DatabaseAdmin (planCreateTenant, planRemoveTenant,
 * planRotatePassword, planPrepare), which make the same checks as the real calls.
 * `tenantry plan` does not connect, and needs only a password secret of the right shape.
 */

/**
 * A throwaway generated password: its secret (a SCRAM verifier, a hash) gives
 * the statements exactly the shape of the real ones, and prints redacted like
 * them.
 */
export function placeholderPassword(): string {
  return generatePassword();
}

/** A plan as the one JSON document of a dry run. */
export function planDocument(plan: Plan, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { dryRun: true, action: plan.action, ...extra, statements: plan.statements.map((statement) => statement.toJSON()) };
}

/** A plan as printable SQL, `-- purpose` comments included; a note when it is empty. */
export function planText(plan: Plan, emptyNote: string): string {
  return plan.statements.length === 0 ? `-- ${emptyNote}\n` : `${formatPlan(plan)}\n`;
}

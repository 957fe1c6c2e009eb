import type { Statement } from './statement.js';

/** What a plan does. */
export type PlanAction =
  | 'create-tenant'
  | 'remove-tenant'
  | 'prepare-database'
  | 'rotate-password'
  | 'move-tenant'
  | 'issue-credential'
  | 'revoke-credential'
  | 'suspend-tenant'
  | 'resume-tenant'
  | 'end-tenant-sessions'
  | 'rename-tenant'
  | 'repair-leftover';

/**
 * An ordered, frozen list of statements that together perform one step.
 * Plans are pure data: building one touches no database.
 */
export interface Plan {
  readonly action: PlanAction;
  readonly statements: readonly Statement[];
}

export function freezePlan(action: PlanAction, statements: Statement[]): Plan {
  return Object.freeze({ action, statements: Object.freeze([...statements]) });
}

/**
 * The plan as one script that runs in a single round trip. Sent through the
 * simple query protocol, a multi-statement string runs as one implicit
 * transaction: any failure rolls back every statement before it.
 * WARNING: contains secrets; never log it. Use `formatPlan` for display.
 */
export function planToScript(plan: Plan): string {
  return plan.statements.map((statement) => statement.sql).join(';\n') + ';';
}

/** The plan as printable SQL, one statement after another, secrets redacted. */
export function formatPlan(plan: Plan, options: { comments?: boolean } = {}): string {
  return plan.statements
    .map((statement) => (options.comments === false ? '' : `-- ${statement.purpose}\n`) + `${statement.text};`)
    .join('\n');
}

import { ValidationError } from '@tenantry/core';

/**
 * The command line is wrong (exit code 2). `command` names the command whose
 * `--help` the hint points to.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly command: string | undefined;
  readonly hint: string | undefined;

  constructor(message: string, options: { command?: string | undefined; hint?: string | undefined } = {}) {
    super(message);
    this.command = options.command;
    this.hint = options.hint;
  }
}

/**
 * Runs a check of command-line input: a `ValidationError` it throws becomes a
 * `UsageError` (exit 2) with the same message. Validation messages never
 * contain a password.
 */
export function asUsage<T>(command: string | undefined, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (ValidationError.isInstance(error)) throw new UsageError(error.message, { command });
    throw error;
  }
}

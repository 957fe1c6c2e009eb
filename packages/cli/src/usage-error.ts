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

/** The exit codes of `tenantry`, documented in `tenantry --help`. */
export const ExitCode = {
  /** Everything asked for was done (or, with --dry-run, would be). */
  ok: 0,
  /** Something failed: a database error, a bad row, a tenant not found, a verify report that does not hold, a budget the fleet can exceed, an aborted confirmation. */
  failure: 1,
  /** The command line is wrong: unknown command or option, missing or invalid value, missing input file. Nothing was done. */
  usage: 2,
  /** Interrupted (Ctrl-C): work in flight was finished and recorded, nothing new was started. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

import { TenantryError } from './tenantry-error.js';

/** Which rule an input broke; stable, for programs that react to it. */
export type ValidationRule =
  | 'type'
  | 'empty'
  | 'too-long'
  | 'control-character'
  | 'surrounding-whitespace'
  | 'reserved-prefix'
  | 'reserved-name'
  | 'password-not-saslprep-stable'
  | 'out-of-range'
  | 'unknown-role'
  | 'schema-named-like-role'
  | 'unsafe-role'
  | 'privileged-setting'
  | 'unsupported-by-dialect'
  | 'not-coordinator'
  | 'unknown-node'
  | 'migration-folder-layout'
  | 'public-schema-reference'
  | 'tenant-suspended';

/** An input was rejected before any SQL ran. */
export class ValidationError extends TenantryError {
  override readonly name = 'ValidationError';
  /** The input field, e.g. `schemaName`, `username`, `password`. */
  readonly field: string;
  readonly rule: ValidationRule;

  constructor({ field, rule, message }: { field: string; rule: ValidationRule; message: string }) {
    super('VALIDATION', { message });
    this.field = field;
    this.rule = rule;
  }
}

import { ValidationError } from './errors/validation-error.js';
import { validateRoleName } from './identifier-rules.js';
import type { TenantConfig } from './tenant-config.js';
import { CONTROL_CHARACTER, describeType, LONE_SURROGATE } from './text-rules.js';

/** The creation options of a `TenantConfig`, checked and normalised. */
export interface CreationOptions {
  connectionLimit: number;
  validUntil: Date | undefined;
  settings: Readonly<Record<string, string>>;
  memberOf: readonly string[];
  grantTo: readonly string[];
  labels: Readonly<Record<string, string>>;
}

// A GUC name: `statement_timeout`, or a custom `myapp.tenant_tier`.
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;
/** Settings Tenantry owns, or that would let a session change who it is. */
const FORBIDDEN_SETTINGS: ReadonlySet<string> = new Set(['search_path', 'role', 'session_authorization']);
const MAX_LABELS_JSON_BYTES = 4096;

/**
 * Checks the optional creation fields of a `TenantConfig`.
 *
 * @throws ValidationError naming the field and the rule, before any I/O.
 */
export function validateCreationOptions(config: TenantConfig): CreationOptions {
  const fail = (field: string, rule: ValidationError['rule'], message: string): never => {
    throw new ValidationError({ field, rule, message: `Invalid ${field}: ${message}.` });
  };
  const connectionLimit = config.connectionLimit ?? -1;
  if (!Number.isInteger(connectionLimit) || connectionLimit < -1 || connectionLimit > 1_000_000) {
    fail('connectionLimit', 'out-of-range', `expected a whole number from -1 (no limit) up, got ${String(config.connectionLimit)}`);
  }
  const validUntil = config.validUntil;
  if (validUntil !== undefined && !(validUntil instanceof Date && Number.isFinite(validUntil.getTime()))) {
    fail('validUntil', 'type', 'expected a valid Date');
  }
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(recordOf(config.settings, 'settings'))) {
    if (!SETTING_NAME.test(name)) fail('settings', 'type', `"${name}" is not a setting name`);
    if (FORBIDDEN_SETTINGS.has(name.toLowerCase())) fail('settings', 'reserved-name', `"${name}" cannot be set per tenant`);
    if (!['string', 'number', 'boolean'].includes(typeof value)) fail('settings', 'type', `"${name}" must be a string, number or boolean`);
    const text = String(value);
    if (CONTROL_CHARACTER.test(text)) fail('settings', 'control-character', `the value of "${name}" contains a control character`);
    settings[name] = text;
  }
  const roles = (field: 'memberOf' | 'grantTo'): string[] => {
    const list = config[field] ?? [];
    if (!Array.isArray(list)) fail(field, 'type', `expected an array of role names, got ${describeType(list)}`);
    return [...new Set(list.map((role) => validateRoleName(role, field)))];
  };
  const memberOf = roles('memberOf');
  const grantTo = roles('grantTo');
  for (const role of [...memberOf, ...grantTo]) {
    if (role === config.username) fail('memberOf', 'reserved-name', 'a tenant role cannot be granted to itself');
  }
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(recordOf(config.labels, 'labels'))) {
    if (typeof value !== 'string') fail('labels', 'type', `label "${key}" must be a string`);
    // Labels are printed by `tenantry list` and `show`: a control character would reach the terminal raw.
    for (const [what, text] of [['name', key], ['value', value as string]] as const) {
      if (CONTROL_CHARACTER.test(text)) fail('labels', 'control-character', `the ${what} of label ${JSON.stringify(key)} contains a control character`);
      if (LONE_SURROGATE.test(text)) fail('labels', 'control-character', `the ${what} of label ${JSON.stringify(key)} contains an unpaired UTF-16 surrogate`);
    }
    labels[key] = value as string;
  }
  if (Buffer.byteLength(JSON.stringify(labels)) > MAX_LABELS_JSON_BYTES) {
    fail('labels', 'too-long', `labels are limited to ${MAX_LABELS_JSON_BYTES} bytes of JSON`);
  }
  return { connectionLimit, validUntil, settings, memberOf, grantTo, labels };
}

function recordOf(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError({ field, rule: 'type', message: `Invalid ${field}: expected an object, got ${describeType(value)}.` });
  }
  return value as Record<string, unknown>;
}

import { validateCreationOptions, ValidationError, type CreationOptions, type TenantConfig } from '@tenantry/core';

/*
 * A tenant's input, parsed once where it enters (`DatabaseAdmin`, the CLI's
 * offline `plan`) into a spec every layer below accepts as it is: plans and
 * readers take `TenantNames` / `TenantSpec` and never validate again. The
 * brand keeps an unparsed object from passing for one.
 */

declare const parsed: unique symbol;

/** A dialect's identifier rules: each returns the name or throws `ValidationError` naming the rule. */
export interface NameRules {
  /** The tenant's schema (PostgreSQL) or database (MySQL) name. */
  validateSchemaName(value: unknown, field?: string): string;
  /** The tenant's login name. */
  validateUsername(value: unknown, field?: string): string;
}

/** The creation options of a `TenantConfig`. */
export type CreationOptionName = keyof CreationOptions;

/** A tenant's schema and login, checked by its dialect's rules. */
export interface TenantNames {
  readonly schemaName: string;
  readonly username: string;
  readonly [parsed]: true;
}

/** A tenant to create: its names and its creation options, checked. */
export interface TenantSpec extends TenantNames {
  readonly options: Readonly<CreationOptions>;
}

/** What a dialect says of its tenants' input (every `TenantryDialect` is one). */
export interface TenantInputRules {
  readonly name: string;
  readonly rules: NameRules;
  readonly creationOptions: ReadonlySet<CreationOptionName>;
}

/**
 * A tenant's schema and login name from a caller's `{ schemaName, username }`.
 *
 * @throws ValidationError naming the field and the rule.
 */
export function parseTenantNames(ref: unknown, rules: NameRules): TenantNames {
  if (typeof ref !== 'object' || ref === null) {
    throw new ValidationError({ field: 'tenant', rule: 'type', message: 'A tenant is given as { schemaName, username }.' });
  }
  const { schemaName, username } = ref as { schemaName?: unknown; username?: unknown };
  return Object.freeze({ schemaName: rules.validateSchemaName(schemaName), username: rules.validateUsername(username) }) as TenantNames;
}

/**
 * A tenant to create from a caller's `TenantConfig`: names by the dialect's
 * rules, creation options by Tenantry's, and any option the dialect does not
 * have refused (rule `unsupported-by-dialect`). The password is not part of
 * the spec: it becomes a secret and goes its own way.
 *
 * @throws ValidationError naming the field and the rule.
 */
export function parseTenantSpec(config: unknown, dialect: TenantInputRules): TenantSpec {
  if (typeof config !== 'object' || config === null) {
    throw new ValidationError({ field: 'config', rule: 'type', message: 'createTenant expects { schemaName, username, password? }.' });
  }
  const names = parseTenantNames(config, dialect.rules);
  const given = config as TenantConfig;
  for (const field of ['connectionLimit', 'validUntil', 'settings', 'memberOf', 'grantTo', 'labels'] as const) {
    if (!dialect.creationOptions.has(field) && !isEmpty(given[field])) {
      throw new ValidationError({
        field,
        rule: 'unsupported-by-dialect',
        message: `Invalid ${field}: the ${dialect.name} dialect has no ${field} Tenantry can promise. Nothing was changed.`,
      });
    }
  }
  const options = validateCreationOptions({ ...given, schemaName: names.schemaName, username: names.username });
  return Object.freeze({ ...names, options: Object.freeze(options) }) as TenantSpec;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) return Object.keys(value).length === 0;
  return false;
}

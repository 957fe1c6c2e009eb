import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors/validation-error.js';
import { validateRoleName, validateSchemaName } from './identifier-rules.js';

function ruleOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof ValidationError) return error.rule;
    throw error;
  }
  return undefined;
}

describe('validateSchemaName / validateRoleName', () => {
  it.each(['tenant_acme', 'Acme', 'a', 'tenant-42', 'with space', 'quote"inside', "it's", 'ünïcødé', '租户', 'select'])(
    'accepts %j unchanged (case and characters kept)',
    (name) => {
      expect(validateSchemaName(name)).toBe(name);
      expect(validateRoleName(name)).toBe(name);
    },
  );

  it('accepts exactly 63 bytes and rejects 64, counting UTF-8 bytes, not characters', () => {
    expect(validateSchemaName('a'.repeat(63))).toHaveLength(63);
    expect(ruleOf(() => validateSchemaName('a'.repeat(64)))).toBe('too-long');
    const twentyOneEuros = '€'.repeat(21); // 63 bytes, 21 characters
    expect(validateRoleName(twentyOneEuros)).toBe(twentyOneEuros);
    expect(ruleOf(() => validateRoleName(`${twentyOneEuros}a`))).toBe('too-long');
  });

  it.each([
    ['', 'empty'],
    ['pg_tenant', 'reserved-prefix'],
    ['PG_Tenant', 'reserved-prefix'],
    ['bad\u0000name', 'control-character'],
    ['bad\nname', 'control-character'],
    ['tab\tname', 'control-character'],
    [' padded', 'surrounding-whitespace'],
    ['padded ', 'surrounding-whitespace'],
  ])('rejects %j with rule %s for both kinds', (name, rule) => {
    expect(ruleOf(() => validateSchemaName(name))).toBe(rule);
    expect(ruleOf(() => validateRoleName(name))).toBe(rule);
  });

  it.each(['public', 'PUBLIC', 'information_schema', 'pg_catalog', 'pg_toast'])('rejects reserved schema %j', (name) => {
    expect(ruleOf(() => validateSchemaName(name))).toMatch(/^reserved-/);
  });

  it.each(['postgres', 'public', 'none', 'current_user', 'Session_User', 'current_role', 'pg_monitor'])(
    'rejects reserved role %j',
    (name) => {
      expect(ruleOf(() => validateRoleName(name))).toMatch(/^reserved-/);
    },
  );

  it('rejects non-strings with rule "type" and a message naming the field', () => {
    expect(ruleOf(() => validateSchemaName(42))).toBe('type');
    expect(() => validateRoleName(undefined)).toThrow(/username.*expected a string, got undefined/);
  });

  it('says which rule was broken in the message', () => {
    expect(() => validateSchemaName('x'.repeat(70))).toThrow(/70 bytes.*at most 63/);
    expect(() => validateSchemaName('pg_x')).toThrow(/"pg_" are reserved/);
  });
});

import { describe, expect, it } from 'vitest';
import { validatePassword } from './password-policy.js';
import { ValidationError } from './errors/validation-error.js';

function ruleOf(value: unknown): string | undefined {
  try {
    validatePassword(value);
    return undefined;
  } catch (error) {
    if (error instanceof ValidationError) return error.rule;
    throw error;
  }
}

describe('validatePassword', () => {
  it.each(["p@ss:w/o?r#d%'\"\\ x", 'пароль', '密码🔑', 'ascii only', '$$;--'])('accepts %j', (password) => {
    expect(validatePassword(password)).toBe(password);
  });

  it.each([
    ['', 'empty'],
    ['nul\u0000byte', 'control-character'],
    ['new\nline', 'control-character'],
    ['\ud800alone', 'control-character'],
    ['non\u00a0breaking', 'password-not-saslprep-stable'],
    ['zero\u200bwidth', 'password-not-saslprep-stable'],
    ['ligature \ufb01', 'password-not-saslprep-stable'],
    ['x'.repeat(1025), 'too-long'],
    [42, 'type'],
  ])('rejects %j with rule %s', (password, rule) => {
    expect(ruleOf(password)).toBe(rule);
  });

  it('never repeats the password in its error message', () => {
    const secret = 'hunter2\u00a0secret';
    try {
      validatePassword(secret);
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('hunter2');
    }
  });
});

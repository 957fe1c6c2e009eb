import { describe, expect, it } from 'vitest';
import { PASSWORD_ALPHABET, generatePassword } from './password-generator.js';
import { ValidationError } from './errors/validation-error.js';

describe('generatePassword', () => {
  it('makes 32 characters from A-Z a-z 0-9 by default', () => {
    const password = generatePassword();
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it('honours the length and refuses weak or absurd lengths', () => {
    expect(generatePassword(64)).toHaveLength(64);
    expect(() => generatePassword(8)).toThrow(ValidationError);
    expect(() => generatePassword(1.5)).toThrow(ValidationError);
  });

  it('never repeats itself over many draws', () => {
    const seen = new Set(Array.from({ length: 2000 }, () => generatePassword()));
    expect(seen.size).toBe(2000);
  });

  it('draws every character with equal probability (chi-square test, no modulo bias)', () => {
    const counts = new Map<string, number>();
    const draws = 4000;
    for (let i = 0; i < draws; i++) {
      for (const c of generatePassword(64)) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    const total = draws * 64;
    const expected = total / PASSWORD_ALPHABET.length;
    let chiSquare = 0;
    for (const c of PASSWORD_ALPHABET) chiSquare += ((counts.get(c) ?? 0) - expected) ** 2 / expected;
    expect(counts.size).toBe(62);
    // 61 degrees of freedom: P(chi2 > 112) is about 1e-4. A `byte % 62` generator
    // over 256 values gives the first 8 characters 5/4 of the others' weight,
    // which puts chi2 above 5000 at this sample size.
    expect(chiSquare).toBeLessThan(112);
  });
});

import { describe, expect, it } from 'vitest';
import { uniqueName } from './unique-name.js';

describe('uniqueName', () => {
  it('appends an underscore and a lowercase base36 suffix', () => {
    expect(uniqueName('scratch')).toMatch(/^scratch_[0-9a-z]{16}$/);
  });

  it('does not repeat', () => {
    const names = new Set(Array.from({ length: 1000 }, () => uniqueName('t')));
    expect(names.size).toBe(1000);
  });

  it('rejects prefixes that would not be a plain identifier', () => {
    expect(() => uniqueName('Scratch')).toThrow(RangeError);
    expect(() => uniqueName('a-b')).toThrow(RangeError);
    expect(() => uniqueName('1abc')).toThrow(RangeError);
    expect(() => uniqueName('')).toThrow(RangeError);
    expect(() => uniqueName('pg')).toThrow(/reserved/);
    expect(() => uniqueName('pg_x')).toThrow(/reserved/);
    expect(() => uniqueName('x'.repeat(47))).toThrow(/too long/);
    expect(uniqueName('x'.repeat(46))).toHaveLength(63);
  });
});

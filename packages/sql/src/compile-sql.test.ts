import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { compileDdl } from './compile-sql.js';

describe('string literals', () => {
  it('keep the ordinary form, quotes doubled, when the value has no backslash', () => {
    expect(compileDdl(sql`SELECT ${sql.lit("it's")}`)).toBe(`SELECT 'it''s'`);
  });

  it('become escape strings, backslashes doubled, when the value has one', () => {
    expect(compileDdl(sql`SELECT ${sql.lit("a\\'; DROP ROLE x; --")}`)).toBe(`SELECT E'a\\\\''; DROP ROLE x; --'`);
    expect(compileDdl(sql`SELECT ${sql.lit('\\')}`)).toBe(`SELECT E'\\\\'`);
  });

  it('leave identifiers to double quotes, where a backslash means nothing', () => {
    expect(compileDdl(sql`SELECT 1 AS ${sql.id('a\\"b')}`)).toBe(`SELECT 1 AS "a\\""b"`);
  });
});

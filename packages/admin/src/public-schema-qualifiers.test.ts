import { describe, expect, it } from 'vitest';
import { publicQualifiers, withoutQualifiers } from './public-schema-qualifiers.js';

/** The text with its non-nested qualifiers dropped, as `unqualifyPublic` does. */
function unqualify(text: string): string {
  return withoutQualifiers(
    text,
    publicQualifiers(text).filter((qualifier) => !qualifier.nested),
  );
}

describe('publicQualifiers', () => {
  it("finds drizzle-kit's qualifiers, quoted or not, in any case when unquoted", () => {
    const text = 'ALTER TABLE "posts" ADD CONSTRAINT "f" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id");\nCREATE TYPE PUBLIC . role AS ENUM (\'a\');';
    expect(publicQualifiers(text).map(({ line, nested }) => ({ line, nested }))).toEqual([
      { line: 1, nested: false },
      { line: 2, nested: false },
    ]);
    expect(unqualify(text)).toBe('ALTER TABLE "posts" ADD CONSTRAINT "f" FOREIGN KEY ("user_id") REFERENCES "users"("id");\nCREATE TYPE  role AS ENUM (\'a\');');
  });

  it('leaves string literals, comments, dollar-quoted bodies and other names alone', () => {
    const untouched = [
      "COMMENT ON TABLE t IS 'see public.docs'",
      "SELECT E'it\\'s public.c'",
      "SELECT U&'public.d', 'it''s public.e'",
      '-- public.x\nSELECT 1',
      '/* public.y /* nested */ public.z */ SELECT 1',
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT count(*) FROM public.t $$',
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT $$ public.t $$ $body$',
      'SELECT "PUBLIC".u, "public x".v, public_data.w, my$public.z',
      'GRANT SELECT ON t TO PUBLIC',
      'SELECT $1::int, a$b FROM t',
    ];
    for (const text of untouched) {
      expect(publicQualifiers(text), text).toEqual([]);
    }
  });

  it('finds a qualifier after a string, a comment or a dollar-quoted body, and across comments before its dot', () => {
    const text = "SELECT 'x', $$ y $$ /* c */ FROM public /* why */ . t";
    expect(publicQualifiers(text)).toHaveLength(1);
    expect(unqualify(text)).toBe("SELECT 'x', $$ y $$ /* c */ FROM  t");
  });

  it('marks the middle part of a three-part name as nested, and never drops it', () => {
    const text = 'SELECT * FROM app.public.users, "app" . "public"."posts"';
    expect(publicQualifiers(text).map((qualifier) => qualifier.nested)).toEqual([true, true]);
    expect(unqualify(text)).toBe(text);
  });

  it('counts lines for messages', () => {
    expect(publicQualifiers("-- one\n'two\n'\nthree\nREFERENCES \"public\".\"t\"").map((qualifier) => qualifier.line)).toEqual([5]);
  });

  it('ends at the end of the text inside an unterminated literal, comment or body', () => {
    for (const text of ["SELECT 'public.x", 'SELECT "public', '/* public.x', 'SELECT $$ public.x', "SELECT E'\\"]) {
      expect(publicQualifiers(text), text).toEqual([]);
    }
  });
});

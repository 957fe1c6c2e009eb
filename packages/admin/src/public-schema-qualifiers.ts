/**
 * Where a PostgreSQL script qualifies a name with schema `public`
 * (`"public"."users"`, `public.users`, `PUBLIC.users`), found by a lexer that
 * skips what is not a name: comments (`--`, nested `/* *\/`), string literals
 * (`'...'`, `E'...'` with backslash escapes, `U&'...'`), quoted identifiers
 * other than `"public"`, and dollar-quoted bodies (`$$...$$`, `$fn$...$fn$`).
 *
 * `"PUBLIC"` (quoted, upper case) is another schema, and `TO PUBLIC` in a
 * GRANT is no qualifier: neither is found. References inside a dollar-quoted
 * body (a function's) are not seen.
 *
 * It assumes `standard_conforming_strings = on` (PostgreSQL's default since
 * 9.1): a backslash in a plain `'...'` literal escapes nothing.
 */
export interface PublicQualifier {
  /** Offset of `public` (or its opening quote). */
  readonly start: number;
  /** Offset just past the dot that ends the qualifier. */
  readonly end: number;
  /** 1-based line of `start`. */
  readonly line: number;
  /**
   * Preceded by a dot itself (`app.public.users`: database, schema, table).
   * Dropping it would turn the part before into the schema, so it is never dropped.
   */
  readonly nested: boolean;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/y;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

/** Every `public.` qualifier in `text`, in order. */
export function publicQualifiers(text: string): PublicQualifier[] {
  const found: PublicQualifier[] = [];
  let i = 0;
  let afterDot = false;
  const note = (start: number, nameEnd: number) => {
    const dot = nextSignificant(text, nameEnd);
    if (text[dot] === '.') found.push({ start, end: dot + 1, line: lineAt(text, start), nested: afterDot });
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    const skipped = skipComment(text, i);
    if (skipped !== i) {
      i = skipped;
      continue;
    }
    if (c === "'") {
      i = skipQuoted(text, i, "'", false);
    } else if (c === '"') {
      const end = skipQuoted(text, i, '"', false);
      if (text.slice(i + 1, end - 1) === 'public') note(i, end);
      i = end;
    } else if (c === '$') {
      DOLLAR_TAG.lastIndex = i;
      const tag = DOLLAR_TAG.exec(text)?.[0];
      if (tag === undefined) {
        i += 1; // a parameter ($1) or an operator character
      } else {
        const close = text.indexOf(tag, i + tag.length);
        i = close === -1 ? text.length : close + tag.length;
      }
    } else if (WORD_START.test(c)) {
      WORD.lastIndex = i;
      const word = WORD.exec(text)![0];
      const end = i + word.length;
      const lower = word.toLowerCase();
      if (lower === 'e' && text[end] === "'") {
        i = skipQuoted(text, end, "'", true);
      } else if (lower === 'u' && text[end] === '&' && (text[end + 1] === "'" || text[end + 1] === '"')) {
        i = skipQuoted(text, end + 1, text[end + 1]!, false);
      } else {
        if (lower === 'public') note(i, end);
        i = end;
      }
    } else {
      i += 1;
    }
    afterDot = c === '.';
  }
  return found;
}

/** `text` without the qualifiers (each from `public` through its dot). */
export function withoutQualifiers(text: string, qualifiers: readonly PublicQualifier[]): string {
  let result = '';
  let from = 0;
  for (const { start, end } of qualifiers) {
    result += text.slice(from, start);
    from = end;
  }
  return result + text.slice(from);
}

/** Past a quoted literal or identifier opening at `start`; a doubled quote is one character. */
function skipQuoted(text: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (text[i + 1] !== quote) return i + 1;
      i += 2;
    } else {
      i += 1;
    }
  }
  return text.length;
}

/** Past a comment opening at `start`, or `start` when there is none. Block comments nest in PostgreSQL. */
function skipComment(text: string, start: number): number {
  if (text.startsWith('--', start)) {
    const end = text.indexOf('\n', start);
    return end === -1 ? text.length : end + 1;
  }
  if (!text.startsWith('/*', start)) return start;
  let depth = 0;
  let i = start;
  while (i < text.length) {
    if (text.startsWith('/*', i)) {
      depth += 1;
      i += 2;
    } else if (text.startsWith('*/', i)) {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else {
      i += 1;
    }
  }
  return text.length;
}

/** The offset of the next character that is neither white space nor in a comment. */
function nextSignificant(text: string, from: number): number {
  let i = from;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i += 1;
    const skipped = skipComment(text, i);
    if (skipped === i) return i;
    i = skipped;
  }
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

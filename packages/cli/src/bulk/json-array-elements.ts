import { JSONParser, TokenizerError, TokenParserError, TokenType } from '@streamparser/json';
import { inputBytes, MAX_RECORD_BYTES, MAX_RECORD_TEXT } from './bounded-records.js';
import { InputError } from './input-error.js';

/** One element of a top-level JSON array, parsed, with the line it starts on (from 1). */
export interface JsonArrayElement {
  readonly line: number;
  readonly value: unknown;
}

/** The most the parser is given at once. */
const SLICE_BYTES = 16 * 1024;
const LF = 0x0a;

/**
 * Parses a top-level JSON array with @streamparser/json as the bytes stream
 * in, and yields its elements one at a time, each with the line it starts on;
 * the array itself is never built.
 *
 * The parser is fed in slices that end at every line feed and are at most
 * 16 KiB: JSON strings hold no raw line feed, so every token and every
 * syntax error belongs to the line being fed. An element still open after
 * `maxBytes` of it were fed is larger than that: it stops the read, before
 * the parser holds more of it: a parser cannot find the next element after giving up in
 * the middle of one, so, like a syntax error, this ends the input (JSON
 * Lines and CSV read past a bad line instead).
 *
 * @throws InputError with the line: not a JSON array, a syntax error, text
 * after the array, the array not closed, an element larger than `maxBytes`.
 */
export async function* jsonArrayElements(input: AsyncIterable<Buffer | string>, maxBytes = MAX_RECORD_BYTES): AsyncGenerator<JsonArrayElement> {
  let line = 1;
  let fed = 0; // bytes given to the parser (after a byte order mark): the offsets its tokens carry
  let started = false; // the array's '[' was seen
  let depth = 0; // 1 between the array's elements
  let element: { line: number; start: number } | undefined; // the element being read
  const parsed: JsonArrayElement[] = [];

  // Partial tokens: the start of a string or number that goes on in the next slice is seen in this one.
  const parser = new JSONParser({ paths: ['$.*'], keepStack: false, emitPartialTokens: true });
  parser.onToken = ({ token, offset, partial }) => {
    if (!started) {
      if (token !== TokenType.LEFT_BRACKET) throw new InputError(line, 'expected a JSON array of tenant objects ("[" first)');
      started = true;
    } else if (depth === 1 && element === undefined && token !== TokenType.COMMA && token !== TokenType.RIGHT_BRACKET) {
      element = { line, start: offset };
    }
    if (partial) return;
    if (token === TokenType.LEFT_BRACE || token === TokenType.LEFT_BRACKET) depth++;
    else if (token === TokenType.RIGHT_BRACE || token === TokenType.RIGHT_BRACKET) depth--;
  };
  parser.onValue = ({ value, partial }) => {
    if (partial || element === undefined) return;
    parsed.push({ line: element.line, value });
    element = undefined;
  };

  /** Gives `slice` to the parser: the problem, if it found one. */
  const feed = (slice: Buffer): InputError | undefined => {
    try {
      parser.write(slice);
      return undefined;
    } catch (error) {
      if (error instanceof InputError) return error;
      // The parser's messages may quote the input (a password): say what it found in words of our own.
      if (!(error instanceof TokenizerError || error instanceof TokenParserError)) throw error;
      return new InputError(line, parser.isEnded ? 'unexpected text after the end of the JSON array' : 'invalid JSON on this line');
    } finally {
      fed += slice.length;
    }
  };

  // No slice is larger than the limit, so an element that starts and ends within one fits it.
  const sliceBytes = Math.min(SLICE_BYTES, maxBytes);
  for await (const chunk of inputBytes(input)) {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(LF, start);
      let end = Math.min(newline === -1 ? chunk.length : newline + 1, start + sliceBytes);
      // An element still open is given no more than the limit: one still open then is too large, and is held no further.
      if (element !== undefined) end = Math.min(end, start + (element.start + maxBytes - fed));
      const problem = feed(chunk.subarray(start, end));
      yield* parsed.splice(0);
      if (problem !== undefined) throw problem;
      if (element !== undefined && fed - element.start >= maxBytes) {
        const limit = maxBytes === MAX_RECORD_BYTES ? MAX_RECORD_TEXT : `${maxBytes} bytes`;
        throw new InputError(element.line, `this element of the JSON array is larger than ${limit}, the most one row may take`);
      }
      if (chunk[end - 1] === LF) line++;
      start = end;
    }
  }
  // (A number alone is still pending here: the parser gives it out at its end, not yet called.)
  if (!started) throw new InputError(line, fed === 0 ? 'the file is empty: expected a JSON array' : 'expected a JSON array of tenant objects ("[" first)');
  if (!parser.isEnded) throw new InputError(line, 'the JSON array is not closed ("]" missing)');
}

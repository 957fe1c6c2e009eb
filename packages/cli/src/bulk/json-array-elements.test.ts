import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InputError } from './input-error.js';
import { jsonArrayElements, type JsonArrayElement } from './json-array-elements.js';

/** The elements read before the input ended, and the InputError that ended it, if one did. */
async function read(chunks: (string | Buffer)[], maxBytes?: number): Promise<{ elements: JsonArrayElement[]; error?: InputError }> {
  const elements: JsonArrayElement[] = [];
  try {
    for await (const element of jsonArrayElements(Readable.from(chunks), maxBytes)) elements.push(element);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { elements, error };
  }
  return { elements };
}

/** `text` cut into pieces of `size` bytes (possibly inside a UTF-8 character). */
function piecesOf(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text);
  const pieces: Buffer[] = [];
  for (let start = 0; start < bytes.length; start += size) pieces.push(bytes.subarray(start, start + size));
  return pieces;
}

const MULTI_LINE = [
  '\ufeff[', // 1
  '  {"schemaName": "t_a",', // 2
  '   "password": "a \\" quote, a } brace, a ] bracket and { [ , : inside"},', // 3
  '  {"schemaName": "t_b", "labels": {"k": "é"}}, {"schemaName": "t_c"},', // 4
  '', // 5
  '  42,', // 6
  '  {', // 7
  '    "schemaName": "t_d"', // 8
  '  }', // 9
  ']', // 10
].join('\r\n');

describe('jsonArrayElements', () => {
  it('yields each element with the line it starts on: elements over several lines, escaped quotes and brackets in strings, a byte order mark, CRLF', async () => {
    const expected = [
      { line: 2, value: { schemaName: 't_a', password: 'a " quote, a } brace, a ] bracket and { [ , : inside' } },
      { line: 4, value: { schemaName: 't_b', labels: { k: 'é' } } },
      { line: 4, value: { schemaName: 't_c' } },
      { line: 6, value: 42 },
      { line: 7, value: { schemaName: 't_d' } },
    ];
    expect(await read([MULTI_LINE])).toEqual({ elements: expected });
    // The same, however the input is cut: a byte at a time splits the byte order mark, CRLF and 'é'.
    expect(await read(piecesOf(MULTI_LINE, 1))).toEqual({ elements: expected });
    expect(await read(piecesOf(MULTI_LINE, 7))).toEqual({ elements: expected });
  });

  it('a syntax error stops the read with its line, after the elements before it, and without quoting the input', async () => {
    const broken = ['[', '{"schemaName": "t_a"},', '{"schemaName": "t_b", "password": "Secret-PW" "x": 1},', '{"schemaName": "t_c"}', ']'].join('\n');
    const { elements, error } = await read([broken]);
    expect(elements).toEqual([{ line: 2, value: { schemaName: 't_a' } }]);
    expect(error).toMatchObject({ line: 3, message: 'invalid JSON on this line' });
    expect(error!.message).not.toContain('Secret-PW');
    // A line break inside a string, a missing comma between elements, a trailing comma.
    expect((await read(['[\n{"schemaName": "t_a\nb"}]'])).error).toMatchObject({ line: 2, message: 'invalid JSON on this line' });
    expect((await read(['[{"a": 1}\n\n{"a": 2}]'])).error).toMatchObject({ line: 3, message: 'invalid JSON on this line' });
    expect((await read(['[{"a": 1},\n]'])).error).toMatchObject({ line: 2, message: 'invalid JSON on this line' });
  });

  it('an element larger than the limit stops the read with the line it starts on', async () => {
    const big = `{"schemaName": "t_b", "password": "${'x'.repeat(100)}"}`;
    const { elements, error } = await read(piecesOf(`[{"schemaName": "t_a"},\n\n  ${big},\n{"schemaName": "t_c"}]`, 10), 64);
    expect(elements).toEqual([{ line: 1, value: { schemaName: 't_a' } }]);
    expect(error).toMatchObject({ line: 3, message: 'this element of the JSON array is larger than 64 bytes, the most one row may take' });
    // Also when it is one string, begun on the line after the comma and cut across the parser's slices.
    expect((await read([`[1,\n"${'y'.repeat(200)}"]`], 64)).error).toMatchObject({ line: 2, message: expect.stringContaining('larger than 64 bytes') });
  });

  it('an element of exactly the limit is read, one byte more is not', async () => {
    const element = (size: number) => `{"p": "${'z'.repeat(size - 9)}"}`;
    expect(Buffer.byteLength(element(64))).toBe(64);
    expect((await read([`[${element(64)}, ${element(64)}]`], 64)).elements).toHaveLength(2);
    expect((await read([`[${element(64)}, ${element(65)}]`], 64))).toMatchObject({ elements: [{ line: 1 }], error: { line: 1 } });
  });

  it('refuses an empty file, a file that is not an array, text after the array, and an array not closed, with the line', async () => {
    expect((await read([])).error).toMatchObject({ line: 1, message: 'the file is empty: expected a JSON array' });
    expect((await read(['\n  \n'])).error).toMatchObject({ line: 3, message: 'expected a JSON array of tenant objects ("[" first)' });
    expect((await read(['\n{"schemaName": "t_a"}'])).error).toMatchObject({ line: 2, message: 'expected a JSON array of tenant objects ("[" first)' });
    expect((await read(['12'])).error).toMatchObject({ line: 1, message: 'expected a JSON array of tenant objects ("[" first)' });
    expect(await read(['[{"a": 1}]\n\nx'])).toMatchObject({ elements: [{ line: 1 }], error: { line: 3, message: 'unexpected text after the end of the JSON array' } });
    expect(await read(['[{"a": 1},\n{"a": 2}\n'])).toMatchObject({ elements: [{ line: 1 }, { line: 2 }], error: { line: 3, message: 'the JSON array is not closed ("]" missing)' } });
    expect(await read(['[]\n'])).toEqual({ elements: [] });
  });
});

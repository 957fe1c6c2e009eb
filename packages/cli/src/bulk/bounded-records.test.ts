import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { boundedLines, type BoundedLine } from './bounded-records.js';

async function linesOf(chunks: (string | Buffer)[], maxBytes: number): Promise<BoundedLine[]> {
  const lines: BoundedLine[] = [];
  for await (const line of boundedLines(Readable.from(chunks), maxBytes)) lines.push(line);
  return lines;
}

describe('boundedLines', () => {
  it('splits LF and CRLF lines across chunks, drops a byte order mark, and keeps a last line without a newline', async () => {
    expect(await linesOf([Buffer.from([0xef, 0xbb, 0xbf]), 'a,b\r', '\nc', 'd\n\n', 'é'], 16)).toEqual([
      { line: 1, text: 'a,b' },
      { line: 2, text: 'cd' },
      { line: 3, text: '' },
      { line: 4, text: 'é' },
    ]);
  });

  it('keeps a line of exactly maxBytes, and reports a longer one as tooLong without its text, then goes on', async () => {
    const exact = 'x'.repeat(8);
    expect(await linesOf([`${exact}\n`, 'y'.repeat(5), 'y'.repeat(4), '\nz\n', 'w'.repeat(9)], 8)).toEqual([
      { line: 1, text: exact },
      { line: 2, tooLong: true },
      { line: 3, text: 'z' },
      { line: 4, tooLong: true },
    ]);
  });

  it('counts bytes, not characters: four 2-byte characters exceed 7 bytes', async () => {
    expect(await linesOf(['éééé\n'], 7)).toEqual([{ line: 1, tooLong: true }]);
  });
});

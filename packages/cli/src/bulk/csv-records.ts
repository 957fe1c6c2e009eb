import { inputBytes, MAX_RECORD_BYTES, RecordBuffer } from './bounded-records.js';

/**
 * One CSV record's text (a quoted field may span lines), with the line it
 * starts on; or a record too large to keep; or a quote opened on `line` and
 * not closed within the bound or by the end of the input.
 */
export type CsvRecordText =
  | { readonly line: number; readonly text: string; readonly problem?: never }
  | { readonly line: number; readonly problem: 'too-large' | 'unclosed-quote' };

const LF = 0x0a;
const QUOTE = 0x22;
/** Before the delimiter is known (the header line): any of comma, semicolon and tab. */
const ANY_DELIMITER = new Set([0x2c, 0x3b, 0x09]);

/**
 * Splits a byte stream into CSV records by quote parity: a line break ends a
 * record unless a quote is open. Only the splitting is done here, so that a
 * record is never held past `maxBytes` and one bad record never costs the
 * rest; csv-parse parses each record's fields.
 *
 * A quote left open is not allowed to swallow the file: when it is still open
 * at the end of the input, or when its record outgrows `maxBytes` over
 * several lines, its first line is reported (`unclosed-quote`) and reading
 * starts again on the next line, from the bytes kept. A single line larger
 * than `maxBytes` is `too-large` and read past to its end without being kept.
 */
export async function* csvRecords(
  input: AsyncIterable<Buffer | string>,
  options: { maxBytes?: number; delimiter?: () => string | undefined } = {},
): AsyncGenerator<CsvRecordText> {
  const maxBytes = options.maxBytes ?? MAX_RECORD_BYTES;
  const isDelimiter = (byte: number): boolean => {
    const delimiter = options.delimiter?.();
    return delimiter === undefined ? ANY_DELIMITER.has(byte) : byte === delimiter.charCodeAt(0);
  };
  const record = new RecordBuffer(maxBytes);
  let line = 1; // the line the next byte is on
  let recordLine = 1;
  // A quote opens a quoted field only at the field's start; in one, a quote closes it unless the next byte is a quote too ("").
  let quote: 'none' | 'open' | 'closing' = 'none';
  let fieldStart = true;
  let secondLineAt = -1; // where the record's second line starts in `record`, once it has one
  let skipping = false; // reading past a too-large single line
  /** Bytes to scan again after an unclosed quote, before the input's next chunk. */
  let replay: Buffer | undefined;

  const startRecord = () => {
    record.clear();
    recordLine = line;
    quote = 'none';
    fieldStart = true;
    secondLineAt = -1;
  };
  /** The record's lines after its first, to scan again; the quote on its first line is reported. */
  const restart = (rest: Buffer): CsvRecordText => {
    const reported = { line: recordLine, problem: 'unclosed-quote' } as const;
    replay = Buffer.concat([record.bytes().subarray(secondLineAt), rest]);
    line = recordLine + 1;
    startRecord();
    return reported;
  };
  const finished = (): CsvRecordText => {
    const text = record.text();
    return { line: recordLine, text: text.endsWith('\r') ? text.slice(0, -1) : text };
  };

  const source = inputBytes(input);
  for (;;) {
    let chunk: Buffer;
    if (replay !== undefined) {
      chunk = replay;
      replay = undefined;
    } else {
      const next = await source.next();
      if (next.done) {
        if (record.length === 0 && !skipping) return;
        if (skipping) {
          yield { line: recordLine, problem: 'too-large' };
          return;
        }
        if (quote === 'open' && secondLineAt !== -1) {
          yield restart(Buffer.alloc(0));
          continue;
        }
        yield finished();
        return;
      }
      chunk = next.value;
    }
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (skipping) {
        if (byte === LF) {
          yield { line: recordLine, problem: 'too-large' };
          skipping = false;
          line++;
          startRecord();
        }
        continue;
      }
      if (quote === 'closing') quote = byte === QUOTE ? 'open' : 'none';
      else if (quote === 'open' && byte === QUOTE) quote = 'closing';
      else if (quote === 'none' && byte === QUOTE && fieldStart) quote = 'open';
      fieldStart = quote === 'none' && isDelimiter(byte);
      if (byte === LF && quote !== 'open') {
        yield finished();
        line++;
        startRecord();
        continue;
      }
      record.push(byte);
      if (record.overflowed) {
        if (secondLineAt !== -1) {
          yield restart(chunk.subarray(i));
          break;
        }
        skipping = true;
        continue;
      }
      if (byte === LF) {
        line++;
        if (secondLineAt === -1) secondLineAt = record.length;
      }
    }
  }
}

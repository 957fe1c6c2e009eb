/**
 * The most one row of a `--from` file may take, in bytes: a CSV record, a
 * JSON line, or an element of a JSON array. The largest valid tenant (two
 * 63-byte names, a 1024-character password, 4 KiB of labels, settings and
 * role lists) fits many times over; a larger record is reported with its line
 * number and never held in memory: the readers stop keeping its bytes at this
 * bound (and skip it, except in a JSON array, where it ends the read).
 */
export const MAX_RECORD_BYTES = 64 * 1024;

/** The limit as the error messages give it. */
export const MAX_RECORD_TEXT = `64 KiB (${MAX_RECORD_BYTES} bytes)`;

/**
 * A record's bytes, up to a fixed capacity allocated once: bytes beyond it are
 * counted as an overflow and dropped, so a record of any size costs at most
 * `capacity` bytes of memory.
 */
export class RecordBuffer {
  readonly #bytes: Buffer;
  #length = 0;
  #overflowed = false;

  constructor(capacity = MAX_RECORD_BYTES) {
    this.#bytes = Buffer.allocUnsafe(capacity);
  }

  /** Whether more than `capacity` bytes were appended since the last {@link clear}. */
  get overflowed(): boolean {
    return this.#overflowed;
  }

  /** Appends `source[start, end)`, or marks the record as overflowed if it would not fit. */
  append(source: Buffer, start = 0, end = source.length): void {
    if (this.#overflowed) return;
    const size = end - start;
    if (this.#length + size > this.#bytes.length) {
      this.#overflowed = true;
      return;
    }
    source.copy(this.#bytes, this.#length, start, end);
    this.#length += size;
  }

  /** Appends one byte. */
  push(byte: number): void {
    if (this.#overflowed) return;
    if (this.#length === this.#bytes.length) {
      this.#overflowed = true;
      return;
    }
    this.#bytes[this.#length++] = byte;
  }

  /** How many bytes are kept. */
  get length(): number {
    return this.#length;
  }

  /** The kept bytes (a view, valid until the next change). */
  bytes(): Buffer {
    return this.#bytes.subarray(0, this.#length);
  }

  /** The record as text (UTF-8). */
  text(): string {
    return this.#bytes.toString('utf8', 0, this.#length);
  }

  clear(): void {
    this.#length = 0;
    this.#overflowed = false;
  }
}

/** One line of the input: its text, or `tooLong` when it exceeded {@link MAX_RECORD_BYTES}. Lines count from 1. */
export type BoundedLine = { readonly line: number; readonly text: string; readonly tooLong?: never } | { readonly line: number; readonly tooLong: true };

const LF = 0x0a;

/**
 * Splits a byte stream into lines (LF or CRLF), keeping at most
 * `maxBytes` of a line: a longer one is read on to its end without being kept,
 * and comes back as `tooLong`. A UTF-8 byte order mark at the start is dropped.
 */
export async function* boundedLines(input: AsyncIterable<Buffer | string>, maxBytes = MAX_RECORD_BYTES): AsyncGenerator<BoundedLine> {
  const record = new RecordBuffer(maxBytes);
  let line = 1;
  let pending = false; // bytes of an unfinished line were seen
  for await (const chunk of inputBytes(input)) {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(LF, start);
      const end = newline === -1 ? chunk.length : newline;
      record.append(chunk, start, end);
      if (newline === -1) {
        pending = true;
        break;
      }
      yield lineOf(record, line);
      record.clear();
      pending = false;
      line++;
      start = newline + 1;
    }
  }
  if (pending) yield lineOf(record, line);
}

function lineOf(record: RecordBuffer, line: number): BoundedLine {
  if (record.overflowed) return { line, tooLong: true };
  const text = record.text();
  return { line, text: text.endsWith('\r') ? text.slice(0, -1) : text };
}

/** The input's chunks as bytes, without a UTF-8 byte order mark at its start. */
export async function* inputBytes(input: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  let first = true;
  for await (const raw of input) {
    let chunk = bytesOf(raw);
    if (first && chunk.length > 0) {
      first = false;
      chunk = withoutByteOrderMark(chunk);
    }
    yield chunk;
  }
}

/** A chunk of a stream as bytes (a stream with an encoding set yields strings). */
function bytesOf(chunk: Buffer | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

/** The first chunk of a stream without its UTF-8 byte order mark. */
function withoutByteOrderMark(chunk: Buffer): Buffer {
  return chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? chunk.subarray(3) : chunk;
}

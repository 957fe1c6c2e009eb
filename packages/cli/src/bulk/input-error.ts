/**
 * The input as a whole is unusable from `line` on (a bad CSV header, not a
 * JSON array, a JSON syntax error, a JSON-array element too large to hold):
 * nothing after it can be read. Lines count from 1.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.line = line;
  }
}

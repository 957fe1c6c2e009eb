import type { Writable } from 'node:stream';
import type { CliIo } from './io.js';

/** ANSI styles for one stream; every function is the identity when colour is off. */
export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
}

export const plainStyle: Style = {
  enabled: false,
  bold: (t) => t,
  dim: (t) => t,
  green: (t) => t,
  red: (t) => t,
  yellow: (t) => t,
};

const ansi = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const coloured: Style = {
  enabled: true,
  bold: ansi(1, 22),
  dim: ansi(2, 22),
  green: ansi(32, 39),
  red: ansi(31, 39),
  yellow: ansi(33, 39),
};

/**
 * Colour only on a terminal, and never with `NO_COLOR` (any non-empty value,
 * see no-color.org) or `TERM=dumb`.
 */
export function colourAllowed(env: CliIo['env'], isTTY: boolean): boolean {
  if (!isTTY) return false;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  return true;
}

/**
 * Where a command's output goes: results on stdout (a table, SQL, or with
 * `--json` exactly one JSON document), everything else on stderr.
 */
export class Output {
  readonly io: CliIo;
  /** Styles for stdout (results). */
  readonly style: Style;
  /** Styles for stderr (diagnostics, progress). */
  readonly errStyle: Style;
  #jsonWritten = false;

  constructor(io: CliIo) {
    this.io = io;
    this.style = colourAllowed(io.env, io.stdoutIsTTY) ? coloured : plainStyle;
    this.errStyle = colourAllowed(io.env, io.stderrIsTTY) ? coloured : plainStyle;
  }

  /** Writes to stdout, waiting when the stream asks to (large dry runs, lists). */
  out(text: string): Promise<void> {
    return write(this.io.stdout, text);
  }

  /** A diagnostic line on stderr. */
  err(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  warn(text: string): void {
    this.err(`${this.errStyle.yellow('warning:')} ${text}`);
  }

  /** Whether the one JSON document of this run has been written. */
  get jsonWritten(): boolean {
    return this.#jsonWritten;
  }

  /** Writes the run's one JSON document. A second call is a bug. */
  async json(document: unknown): Promise<void> {
    if (this.#jsonWritten) throw new Error('tenantry: a second JSON document was about to be written');
    this.#jsonWritten = true;
    await this.out(`${JSON.stringify(document, null, 2)}\n`);
  }

  /** Marks the JSON document as written by a caller that streams it in parts. */
  claimJson(): void {
    if (this.#jsonWritten) throw new Error('tenantry: a second JSON document was about to be written');
    this.#jsonWritten = true;
  }
}

export function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stream.write(text, (error) => (error ? reject(error) : undefined));
    if (ok) resolve();
    else stream.once('drain', resolve);
  });
}

/**
 * A plain text table: a header row and aligned columns, two spaces apart.
 * `style` only decorates the header; widths are measured without escapes.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], style: Style): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => visibleLength(row[column] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell + ' '.repeat(widths[column]! - visibleLength(cell))))
      .join('  ')
      .trimEnd();
  return [style.bold(line(header)), ...rows.map(line)].join('\n') + '\n';
}

/** `key  value` lines, keys aligned. */
export function formatFields(fields: readonly (readonly [string, string])[], style: Style, indent = '  '): string {
  const width = Math.max(...fields.map(([key]) => key.length));
  return fields.map(([key, value]) => `${indent}${style.dim(key.padEnd(width))}  ${value}`).join('\n') + '\n';
}

// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[[0-9;]*m/g;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text read from the database, made safe for a terminal: control characters
 * (escape sequences, carriage returns) shown as `\u001b`. Tenantry refuses them
 * in new labels; a marker written by hand or by an older version may hold them.
 */
export function printable(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function visibleLength(text: string): number {
  return [...text.replace(ESCAPES, '')].length;
}

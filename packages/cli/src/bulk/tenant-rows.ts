import type { Readable } from 'node:stream';
import type { TenantConfig } from '@tenantry/core';
import { parseDate, parseInteger, splitKeyValue } from '../args.js';
import { parse as parseCsv } from 'csv-parse/sync';
import { boundedLines, MAX_RECORD_TEXT } from './bounded-records.js';
import { csvRecords } from './csv-records.js';
import { InputError } from './input-error.js';
import { jsonArrayElements } from './json-array-elements.js';

/** The input formats of `create --from`. */
export type InputFormat = 'csv' | 'json' | 'jsonl';

/** One row of the input: a tenant config, or why the row is unusable. Lines count from 1. */
export type TenantRow =
  | { readonly line: number; readonly ok: true; readonly config: TenantConfig }
  | { readonly line: number; readonly ok: false; readonly error: string; readonly schemaName?: string; readonly username?: string };


export const CSV_COLUMNS = ['schema_name', 'username', 'password', 'connection_limit', 'labels'] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];
const REQUIRED_CSV_COLUMNS: readonly CsvColumn[] = ['schema_name', 'username'];


export function formatOf(path: string): InputFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv') || lower.endsWith('.tsv')) return 'csv';
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  return undefined;
}

/**
 * Reads tenant rows from `input` one at a time, never the whole input at
 * once, so 100k rows need no more memory than one. Bad rows come back with
 * their line number and the reason; the rest go on. A CSV record or JSON line
 * larger than 64 KiB is such a bad row: its bytes beyond that bound are read
 * past, never kept. In a JSON array, a valid element that is not a valid
 * tenant is a bad row too, but a syntax error or an element larger than
 * 64 KiB ends the input (InputError): the parser cannot find the next element.
 *
 * @throws InputError when the input as a whole cannot be read on from some line.
 */
export function readTenantRows(input: Readable, format: InputFormat, options: { delimiter?: CsvDelimiter | undefined } = {}): AsyncGenerator<TenantRow> {
  switch (format) {
    case 'csv':
      return readCsvRows(input, options.delimiter);
    case 'jsonl':
      return readJsonLinesRows(input);
    case 'json':
      return readJsonArrayRows(input);
  }
}

// ---- CSV ---------------------------------------------------------------------------

/** The delimiters of `create --from` CSV: comma, semicolon, tab. */
export const CSV_DELIMITERS = [',', ';', '\t'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/**
 * CSV: a header, then a record per line; a quoted field may span lines and
 * hold the delimiter and doubled quotes. The delimiter is `delimiter`, else
 * the one of comma, semicolon and tab that the header line holds (column
 * names hold none). csv-parse parses each record's fields.
 */
async function* readCsvRows(input: Readable, delimiter: CsvDelimiter | undefined): AsyncGenerator<TenantRow> {
  let columns: CsvColumn[] | undefined;
  let chosen = delimiter;
  for await (const entry of csvRecords(input, { delimiter: () => chosen })) {
    const lineNumber = entry.line;
    if (entry.problem !== undefined) {
      if (columns === undefined) throw new InputError(lineNumber, entry.problem === 'too-large' ? `the CSV header line is larger than ${MAX_RECORD_TEXT}` : 'bad CSV header: a quoted field is not closed');
      yield { line: lineNumber, ok: false, error: entry.problem === 'too-large' ? tooLarge('the record') : 'unparseable CSV: a quoted field is not closed on its line (nor within 64 KiB)' };
      continue;
    }
    const text = entry.text;
    if (/^\s*$/.test(text)) continue;
    chosen ??= detectDelimiter(text, lineNumber);
    const parsed = parseCsvRecord(text, chosen);
    if (columns === undefined) {
      if (typeof parsed === 'string') throw new InputError(lineNumber, `bad CSV header: ${parsed}`);
      columns = csvHeader(parsed, lineNumber);
      continue;
    }
    if (typeof parsed === 'string') {
      yield { line: lineNumber, ok: false, error: `unparseable CSV: ${parsed}`, ...namesFromBrokenLine(text, columns, chosen) };
      continue;
    }
    yield csvRow(columns, parsed, lineNumber);
  }
  if (columns === undefined) throw new InputError(1, `the file is empty: expected a header line ${CSV_COLUMNS.join(',')}`);
}

/** The delimiter the header line uses: exactly one of comma, semicolon and tab must appear in it. */
function detectDelimiter(header: string, line: number): CsvDelimiter {
  const found = CSV_DELIMITERS.filter((delimiter) => header.includes(delimiter));
  if (found.length === 1) return found[0]!;
  const names = (list: readonly string[]) => list.map((delimiter) => (delimiter === '\t' ? 'tab' : `'${delimiter}'`)).join(', ');
  throw new InputError(
    line,
    found.length === 0
      ? `cannot tell the CSV delimiter: the header line holds none of ${names(CSV_DELIMITERS)} (it needs at least schema_name and username)`
      : `cannot tell the CSV delimiter: the header line holds ${names(found)}; choose one with --delimiter`,
  );
}

/** Why a row too large to read is refused, with the limit. */
function tooLarge(what: string): string {
  return `${what} is larger than ${MAX_RECORD_TEXT}, the most one row may take; skipped`;
}

/** The schema name of a row that does not parse, when its first fields are plain, for the report. */
function namesFromBrokenLine(text: string, columns: readonly CsvColumn[], delimiter: string): { schemaName?: string } {
  const index = columns.indexOf('schema_name');
  const fields = text.split(delimiter);
  const candidate = fields.slice(0, index).some((field) => field.includes('"')) ? undefined : fields[index];
  return candidate !== undefined && candidate !== '' && !candidate.includes('"') && !candidate.includes('\n') ? { schemaName: candidate } : {};
}

/** csv-parse's reasons, in words that never quote the record (it may hold a password). */
const CSV_PROBLEMS: Readonly<Record<string, string>> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed on its line',
  CSV_INVALID_CLOSING_QUOTE: 'unexpected text after a closing quote (write "" for a quote inside a quoted field)',
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field (quote the whole field and double the quote)',
  CSV_INVALID_OPENING_QUOTE: 'a quote inside an unquoted field (quote the whole field and double the quote)',
};

/**
 * One CSV record, by csv-parse (RFC 4180, with `delimiter`): its fields, or
 * why it is malformed.
 */
export function parseCsvRecord(text: string, delimiter: CsvDelimiter = ','): string[] | string {
  try {
    const records = parseCsv(text, { delimiter, relax_column_count: true, skip_empty_lines: false }) as string[][];
    if (records.length !== 1) return `expected one record, found ${records.length}`;
    return records[0]!;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    return CSV_PROBLEMS[code] ?? `the record cannot be parsed (${code || 'unknown error'})`;
  }
}

function csvHeader(fields: string[], line: number): CsvColumn[] {
  const columns: CsvColumn[] = [];
  for (const raw of fields) {
    const name = raw.trim().toLowerCase();
    if (!(CSV_COLUMNS as readonly string[]).includes(name)) {
      throw new InputError(line, `unknown column '${raw.trim()}' in the header: expected schema_name,username[,password][,connection_limit][,labels]`);
    }
    if (columns.includes(name as CsvColumn)) throw new InputError(line, `column '${name}' appears twice in the header`);
    columns.push(name as CsvColumn);
  }
  for (const required of REQUIRED_CSV_COLUMNS) {
    if (!columns.includes(required)) throw new InputError(line, `the header lacks the column '${required}': expected schema_name,username[,password][,connection_limit][,labels]`);
  }
  return columns;
}

function csvRow(columns: readonly CsvColumn[], fields: readonly string[], line: number): TenantRow {
  const value = (column: CsvColumn): string => {
    const index = columns.indexOf(column);
    return index === -1 ? '' : (fields[index] ?? '');
  };
  const names = { schemaName: value('schema_name'), username: value('username') };
  if (fields.length > columns.length) {
    return { line, ok: false, error: `${fields.length} fields, but the header has ${columns.length} columns`, ...names };
  }
  try {
    if (names.schemaName === '') throw new Error('schema_name is empty');
    if (names.username === '') throw new Error('username is empty');
    const config: TenantConfig = { ...names };
    const password = value('password');
    if (password !== '') config.password = password;
    const limit = value('connection_limit').trim();
    if (limit !== '') config.connectionLimit = parseInteger(limit, 'connection_limit', { min: -1, max: 1_000_000 });
    const labels = value('labels');
    if (labels.trim() !== '') config.labels = parseLabels(labels);
    return { line, ok: true, config };
  } catch (error) {
    return { line, ok: false, error: (error as Error).message, ...names };
  }
}

/** `k=v;k=v` (blank entries ignored, keys and values trimmed). */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const entry of text.split(';')) {
    if (entry.trim() === '') continue;
    const [key, value] = splitKeyValue(entry.trim(), 'labels');
    const name = key.trim();
    if (Object.hasOwn(labels, name)) throw new Error(`label '${name}' appears twice`);
    labels[name] = value.trim();
  }
  return labels;
}

// ---- JSON Lines --------------------------------------------------------------------

async function* readJsonLinesRows(input: Readable): AsyncGenerator<TenantRow> {
  for await (const entry of boundedLines(input)) {
    if (entry.tooLong) {
      yield { line: entry.line, ok: false, error: tooLarge('the line') };
      continue;
    }
    if (/^\s*$/.test(entry.text)) continue;
    yield jsonRow(entry.text, entry.line);
  }
}

// ---- JSON array --------------------------------------------------------------------

async function* readJsonArrayRows(input: Readable): AsyncGenerator<TenantRow> {
  for await (const element of jsonArrayElements(input)) yield tenantRow(element.value, element.line);
}

const JSON_FIELDS: Readonly<Record<string, keyof TenantConfig>> = {
  schemaName: 'schemaName',
  schema_name: 'schemaName',
  username: 'username',
  password: 'password',
  connectionLimit: 'connectionLimit',
  connection_limit: 'connectionLimit',
  validUntil: 'validUntil',
  valid_until: 'validUntil',
  settings: 'settings',
  memberOf: 'memberOf',
  member_of: 'memberOf',
  grantTo: 'grantTo',
  grant_to: 'grantTo',
  labels: 'labels',
};

/** One line of JSON Lines as a tenant row. */
function jsonRow(text: string, line: number): TenantRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { line, ok: false, error: `unparseable JSON: ${(error as Error).message}` };
  }
  return tenantRow(value, line);
}

/** One JSON object as a tenant config: TenantConfig's fields (camelCase or snake_case), validUntil as an ISO string. */
function tenantRow(value: unknown, line: number): TenantRow {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { line, ok: false, error: `expected an object like {"schemaName": "...", "username": "..."}, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}` };
  }
  const object = value as Record<string, unknown>;
  const names = {
    schemaName: typeof (object['schemaName'] ?? object['schema_name']) === 'string' ? String(object['schemaName'] ?? object['schema_name']) : undefined,
    username: typeof object['username'] === 'string' ? object['username'] : undefined,
  };
  const config: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(object)) {
    const target = JSON_FIELDS[key];
    if (target === undefined) return { line, ok: false, error: `unknown field '${key}'`, ...definedNames(names) };
    if (Object.hasOwn(config, target)) return { line, ok: false, error: `field '${target}' given twice (as camelCase and snake_case)`, ...definedNames(names) };
    config[target] = field;
  }
  if (typeof config['schemaName'] !== 'string' || config['schemaName'] === '') return { line, ok: false, error: 'schemaName must be a non-empty string', ...definedNames(names) };
  if (typeof config['username'] !== 'string' || config['username'] === '') return { line, ok: false, error: 'username must be a non-empty string', ...definedNames(names) };
  if (config['password'] !== undefined && config['password'] !== null && typeof config['password'] !== 'string') {
    return { line, ok: false, error: 'password must be a string (empty or absent to generate one)', ...definedNames(names) };
  }
  if (config['password'] === null || config['password'] === '') delete config['password'];
  const validUntil = config['validUntil'];
  if (validUntil === null) {
    delete config['validUntil'];
  } else if (validUntil !== undefined) {
    if (typeof validUntil !== 'string') return { line, ok: false, error: 'validUntil must be an ISO 8601 date string', ...definedNames(names) };
    try {
      config['validUntil'] = parseDate(validUntil, 'validUntil', false)!;
    } catch (error) {
      return { line, ok: false, error: (error as Error).message, ...definedNames(names) };
    }
  }
  return { line, ok: true, config: config as unknown as TenantConfig };
}

function definedNames(names: { schemaName: string | undefined; username: string | undefined }): { schemaName?: string; username?: string } {
  return {
    ...(names.schemaName !== undefined ? { schemaName: names.schemaName } : {}),
    ...(names.username !== undefined ? { username: names.username } : {}),
  };
}

import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { csvRecords, type CsvRecordText } from './csv-records.js';
import { InputError } from './input-error.js';
import { readTenantRows, type CsvDelimiter, type TenantRow } from './tenant-rows.js';

async function rowsOf(text: string | string[], delimiter?: CsvDelimiter): Promise<TenantRow[]> {
  const rows: TenantRow[] = [];
  for await (const row of readTenantRows(Readable.from(Array.isArray(text) ? text : [text]), 'csv', { delimiter })) rows.push(row);
  return rows;
}

/** Each row as [line, schema name or the error]. */
function summary(rows: readonly TenantRow[]): [number, string][] {
  return rows.map((row) => [row.line, row.ok ? row.config.schemaName : `error: ${row.error}`]);
}

describe('CSV input', () => {
  it("reads ';'-separated files, told by the header line, with a quoted labels field", async () => {
    const rows = await rowsOf('schema_name;username;labels\nt_a;u_a;"plan=gold;region=eu"\nt_b;u_b;\n');
    expect(rows).toEqual([
      { line: 2, ok: true, config: { schemaName: 't_a', username: 'u_a', labels: { plan: 'gold', region: 'eu' } } },
      { line: 3, ok: true, config: { schemaName: 't_b', username: 'u_b' } },
    ]);
  });

  it('reads tab-separated files (TSV), CRLF line ends and a byte order mark', async () => {
    const rows = await rowsOf(['\ufeffschema_name\tusername\tconnection_limit\r\n', 't_a\tu_a\t3\r\nt_b\t', 'u_b\t\r\n']);
    expect(rows).toEqual([
      { line: 2, ok: true, config: { schemaName: 't_a', username: 'u_a', connectionLimit: 3 } },
      { line: 3, ok: true, config: { schemaName: 't_b', username: 'u_b' } },
    ]);
  });

  it('--delimiter wins over the header: a comma header read with tab is one unknown column', async () => {
    await expect(rowsOf('schema_name,username\nt,u\n', '\t')).rejects.toThrow(/unknown column 'schema_name,username'/);
    expect(summary(await rowsOf('schema_name;username;password\nt;u;a,b\n', ';'))).toEqual([[2, 't']]);
  });

  it('a header with no delimiter, or with two kinds, is refused with the line and --delimiter', async () => {
    await expect(rowsOf('schema_name\nt\n')).rejects.toMatchObject({ line: 1, message: expect.stringContaining('holds none of') });
    await expect(rowsOf('\n\nschema_name,username;password\n')).rejects.toMatchObject({ line: 3, message: expect.stringContaining('choose one with --delimiter') });
  });

  it('a quoted field may span lines; each row keeps the line it starts on, and the lines after count on', async () => {
    const rows = await rowsOf('schema_name,username,password\nt_a,u_a,"two\nlines, a comma and a "" quote"\n\nt_b,"u_b",\n"t_c",u_c,"x\r\ny"\n');
    expect(summary(rows)).toEqual([
      [2, 't_a'],
      [5, 't_b'],
      [6, 't_c'],
    ]);
    expect(rows[0]).toMatchObject({ config: { password: 'two\nlines, a comma and a " quote' } });
    expect(rows[2]).toMatchObject({ config: { password: 'x\r\ny' } });
  });

  it('bad records are reported by their line, without their text, and the rest go on', async () => {
    const rows = await rowsOf(
      [
        'schema_name,username,password', // 1
        't_a,u_a,ab"Secret-PW', // 2: a quote inside an unquoted field
        't_b,u_b,"Secret-PW"x', // 3: text after a closing quote
        't_c,u_c,,extra', // 4: too many fields
        't_d,u_d,"Secret-PW', // 5: a quote never closed: lines 6 and 7 are read again on their own
        't_e,u_e,',
        't_f,u_f,',
      ].join('\n'),
    );
    expect(summary(rows)).toEqual([
      [2, expect.stringMatching(/^error: unparseable CSV: a quote inside an unquoted field/)],
      [3, expect.stringMatching(/^error: unparseable CSV: unexpected text after a closing quote/)],
      [4, 'error: 4 fields, but the header has 3 columns'],
      [5, expect.stringMatching(/^error: unparseable CSV: a quoted field is not closed on its line/)],
      [6, 't_e'],
      [7, 't_f'],
    ]);
    expect(JSON.stringify(rows.filter((row) => !row.ok))).not.toContain('Secret-PW');
  });
});

describe('csvRecords', () => {
  async function recordsOf(chunks: string[], maxBytes: number): Promise<CsvRecordText[]> {
    const records: CsvRecordText[] = [];
    for await (const record of csvRecords(Readable.from(chunks), { maxBytes })) records.push(record);
    return records;
  }

  it('a quote open over more lines than the bound: its first line is reported, and the kept lines after it are read again', async () => {
    expect(await recordsOf(['a,"b\nc,d\ne,f\n', 'g,h\n'], 8)).toEqual([
      { line: 1, problem: 'unclosed-quote' },
      { line: 2, text: 'c,d' },
      { line: 3, text: 'e,f' },
      { line: 4, text: 'g,h' },
    ]);
  });

  it('a quote inside an unquoted field opens nothing; a doubled quote inside a quoted one closes nothing', async () => {
    expect(await recordsOf(['a,b"c\nd,"e""\nf"\n"g"\n'], 64)).toEqual([
      { line: 1, text: 'a,b"c' },
      { line: 2, text: 'd,"e""\nf"' },
      { line: 4, text: '"g"' },
    ]);
  });

  it('a single line over the bound is too large and read past; a quoted record within it is kept whole', async () => {
    expect(await recordsOf(['x'.repeat(5), 'y'.repeat(5), '\n"p\nq"\nlast'], 8)).toEqual([
      { line: 1, problem: 'too-large' },
      { line: 2, text: '"p\nq"' },
      { line: 4, text: 'last' },
    ]);
  });
});

describe('JSON array input', () => {
  async function jsonRowsOf(text: string): Promise<{ rows: TenantRow[]; error?: unknown }> {
    const rows: TenantRow[] = [];
    try {
      for await (const row of readTenantRows(Readable.from([text]), 'json')) rows.push(row);
    } catch (error) {
      return { rows, error };
    }
    return { rows };
  }

  it('an element that is valid JSON but not a tenant is a bad row with its line, and the elements after it are read', async () => {
    const { rows, error } = await jsonRowsOf(
      [
        '[', // 1
        '  {"schemaName": "t_a", "username": "u_a", "unknownField": true},', // 2
        '  {"schemaName": "t_b",', // 3
        '   "username": 42},', // 4
        '  "t_c",', // 5
        '  {"schema_name": "t_d", "username": "u_d", "validUntil": "2031-01-01"}', // 6
        ']',
      ].join('\n'),
    );
    expect(error).toBeUndefined();
    expect(summary(rows)).toEqual([
      [2, "error: unknown field 'unknownField'"],
      [3, 'error: username must be a non-empty string'],
      [5, 'error: expected an object like {"schemaName": "...", "username": "..."}, got string'],
      [6, 't_d'],
    ]);
    expect(rows[3]).toMatchObject({ config: { username: 'u_d', validUntil: new Date('2031-01-01T00:00:00Z') } });
  });

  it('a syntax error ends the input with an InputError naming its line, after the rows before it', async () => {
    const { rows, error } = await jsonRowsOf('[\n{"schemaName": "t_a", "username": "u_a"},\n{"schemaName": "t_b", username: "u_b"},\n{"schemaName": "t_c", "username": "u_c"}\n]');
    expect(summary(rows)).toEqual([[2, 't_a']]);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ line: 3, message: 'invalid JSON on this line' });
  });
});

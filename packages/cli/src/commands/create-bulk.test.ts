import { chmod, chown, mkdtemp, open, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../io.js';
import { main } from '../main.js';
import { catalogHas, catalogSnapshot, json, loginAs, uniqueName, urlFor, useCliDatabase } from '../test-support/cli.js';
import { fileState, nobody } from '../test-support/file-state.js';

interface CredentialsLine {
  line: number;
  schemaName: string;
  username: string;
  password: string;
  connectionString: string;
}

interface Summary {
  rows: number;
  created: number;
  skipped: number;
  failed: number;
  failures: { line: number; schemaName?: string; code: string; message: string }[];
}

async function credentialLines(path: string): Promise<CredentialsLine[]> {
  const text = await readFile(path, 'utf8');
  return text.trimEnd().split('\n').filter(Boolean).map((line) => JSON.parse(line) as CredentialsLine);
}

interface Names {
  schemaName: string;
  username: string;
}

/**
 * Writes a --from file of three rows whose second holds `size` bytes (a
 * password of 'a's, on one line), without building it in memory. Returns the
 * huge row's line number.
 */
async function writeWithHugeRow(path: string, format: 'csv' | 'jsonl' | 'json', before: Names, huge: Names, after: Names, size: number): Promise<number> {
  const object = (names: Names) => JSON.stringify(names);
  const [head, tail, line] =
    format === 'csv'
      ? [`schema_name,username,password\n${before.schemaName},${before.username},\n${huge.schemaName},${huge.username},`, `\n${after.schemaName},${after.username},\n`, 3]
      : format === 'jsonl'
        ? [`${object(before)}\n${object(huge).slice(0, -1)},"password":"`, `"}\n${object(after)}\n`, 2]
        : [`[\n${object(before)},\n${object(huge).slice(0, -1)},"password":"`, `"},\n${object(after)}\n]\n`, 3];
  const file = await open(path, 'w');
  try {
    await file.write(head);
    const block = Buffer.alloc(1024 * 1024, 'a');
    for (let written = 0; written < size; written += block.length) await file.write(block);
    await file.write(tail);
  } finally {
    await file.close();
  }
  return line;
}

describe('create --from', () => {
  const db = useCliDatabase();
  let dir: string;
  let p: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tenantry-bulk-'));
    p = uniqueName('b');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('creates the good rows of a CSV, reports bad rows by line number, writes 0600 credentials, and resumes by skipping', async () => {
    const { run, superuser, database } = db();
    const csv = join(dir, 'tenants.csv');
    await writeFile(
      csv,
      [
        'schema_name,username,password,connection_limit,labels', // line 1
        `${p}_one,${p}_one_user,,,plan=gold;region=eu`, // 2: generated password
        `${p}_two,${p}_two_user,Given-Bulk-Pass-2,5,`, // 3: given password
        `pg_${p},${p}_bad_user,,,`, // 4: invalid schema name
        '', // 5: blank, ignored
        `${p}_three,${p}_three_user,,lots,`, // 6: bad connection_limit
        `"${p}_four","${p}_four_user",,,"tier=x"`, // 7: quoted fields
        `${p}_five,${p}_five_user,"unterminated`, // 8: unparseable
        `${p}_six,${p}_six_user,,,,extra`, // 9: too many fields
        `${p}_seven,${p}_seven_user`, // 10: optional columns left out
      ].join('\n') + '\n',
    );
    const credentials = join(dir, 'creds.jsonl');
    const first = await run(['create', '--from', csv, '--credentials-out', credentials, '--concurrency', '3']);
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout).toContain('8 rows: 4 created, 0 skipped (already existed), 4 failed');
    for (const [line, reason] of [
      [4, 'reserved by PostgreSQL'],
      [6, "connection_limit must be a whole number from -1 to 1000000, got 'lots'"],
      [8, 'a quoted field is not closed on its line'],
      [9, '6 fields, but the header has 5 columns'],
    ] as const) {
      expect(first.stdout).toMatch(new RegExp(`line ${line}\\b[^\\n]*${reason.replace(/[()']/g, '.')}`));
      expect(first.stderr).toMatch(new RegExp(`line ${line}\\b`));
    }
    expect(first.stderr).toMatch(/progress: 8 rows \(4 created, 0 skipped, 4 failed\)/);

    // The credentials file: mode 0600, one JSON line per created tenant, with its input line.
    expect((await stat(credentials)).mode & 0o777).toBe(0o600);
    const lines = await credentialLines(credentials);
    expect(lines.map((entry) => [entry.line, entry.schemaName]).sort()).toEqual([
      [10, `${p}_seven`],
      [2, `${p}_one`],
      [3, `${p}_two`],
      [7, `${p}_four`],
    ].sort());
    const one = lines.find((entry) => entry.schemaName === `${p}_one`)!;
    expect(one.password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(await loginAs(one.connectionString)).toEqual({ user: `${p}_one_user`, schema: `${p}_one` });
    expect(await loginAs(urlFor(database.url, `${p}_two_user`, 'Given-Bulk-Pass-2'))).toEqual({ user: `${p}_two_user`, schema: `${p}_two` });
    expect(first.stdout + first.stderr).not.toContain('Given-Bulk-Pass-2');
    expect(first.stdout + first.stderr).not.toContain(one.password);
    const shown = json<{ labels: Record<string, string>; connectionLimit: number }>(await run(['show', `${p}_one`, '--json']));
    expect(shown.labels).toEqual({ plan: 'gold', region: 'eu' });
    expect(json<{ connectionLimit: number }>(await run(['show', `${p}_two`, '--json'])).connectionLimit).toBe(5);
    expect(await catalogHas(superuser, { schema: `pg_${p}`, role: `${p}_bad_user` })).toEqual({ schema: false, role: false });

    // An existing credentials file is never overwritten.
    const overwrite = await run(['create', '--from', csv, '--credentials-out', credentials]);
    expect(overwrite.code).toBe(2);
    expect(overwrite.stderr).toContain('exists; refusing to overwrite');
    expect(overwrite.stderr).toContain('--append');
    expect(await credentialLines(credentials)).toHaveLength(4);

    // Fix two rows and rerun with --append: the created ones are skipped, the fixed ones created.
    const fixed = (await readFile(csv, 'utf8')).replace(`pg_${p},`, `${p}_bad,`).replace(',lots,', ',,');
    await writeFile(csv, fixed);
    const resumed = await run(['create', '--from', csv, '--credentials-out', credentials, '--append', '--json']);
    expect(resumed.code).toBe(1);
    const summary = json<Summary>(resumed);
    expect(summary).toMatchObject({ rows: 8, created: 2, skipped: 4, failed: 2 });
    expect(summary.failures.map((failure) => failure.line)).toEqual([8, 9]);
    const after = await credentialLines(credentials);
    expect(after).toHaveLength(6);
    expect(after.slice(4).map((entry) => entry.schemaName).sort()).toEqual([`${p}_bad`, `${p}_three`]);
    expect((await stat(credentials)).mode & 0o777).toBe(0o600);
  });

  it('--append refuses a file of another user, a 0644 file of ours and a symlink: exit 2, the reason and the fix, the file unchanged, nothing created', async () => {
    const { run, superuser } = db();
    const csv = join(dir, 'append.csv');
    await writeFile(csv, `schema_name,username\n${p}_app,${p}_app_user\n`);
    const earlier = '{"line":2,"schemaName":"earlier"}\n';
    const cases: { name: string; target: string; watched: string[]; message: RegExp; hint: RegExp }[] = [];
    // Only root can give a file to another user; and only root could then write into it (today's bug).
    if (process.getuid?.() === 0) {
      const foreign = join(dir, 'foreign.jsonl');
      await writeFile(foreign, earlier, { mode: 0o600 });
      const { uid, gid } = await nobody();
      await chown(foreign, uid, gid);
      cases.push({ name: 'foreign', target: foreign, watched: [foreign], message: new RegExp(`belongs to another user \\(uid ${uid}, not 0\\)`), hint: /chown/ });
    }
    const readable = join(dir, 'readable.jsonl');
    await writeFile(readable, earlier);
    await chmod(readable, 0o644);
    cases.push({ name: 'readable', target: readable, watched: [readable], message: /has mode 0644, not 0600/, hint: /chmod 600/ });
    const pointedTo = join(dir, 'pointed-to.jsonl');
    await writeFile(pointedTo, earlier, { mode: 0o600 });
    const link = join(dir, 'link.jsonl');
    await symlink(pointedTo, link);
    cases.push({ name: 'symlink', target: link, watched: [link, pointedTo], message: /is a symbolic link/, hint: /new --credentials-out file/ });

    for (const { name, target, watched, message, hint } of cases) {
      const before = await Promise.all(watched.map(fileState));
      const result = await run(['create', '--from', csv, '--credentials-out', target, '--append']);
      expect(result.code, `${name}: ${result.stderr}`).toBe(2);
      expect(result.stderr, name).toMatch(message);
      expect(result.stderr, name).toMatch(hint);
      expect(await Promise.all(watched.map(fileState)), name).toEqual(before);
      expect(await catalogHas(superuser, { schema: `${p}_app`, role: `${p}_app_user` }), name).toEqual({ schema: false, role: false });
    }
  });

  it('reads a JSON array with TenantConfig fields, reporting bad elements by the line they start on, and stops at a syntax error', async () => {
    const { run, superuser } = db();
    const file = join(dir, 'tenants.json');
    await writeFile(
      file,
      `[
  {"schemaName": "${p}_j1", "username": "${p}_j1_user", "labels": {"plan": "gold"}},
  {"schema_name": "${p}_j2", "username": "${p}_j2_user",
   "connectionLimit": 3, "validUntil": "2031-01-01", "settings": {"statement_timeout": "5s"}},
  {"schemaName": "${p}_j3", "username": "${p}_j3_user", "unknownField": true},
  {"schemaName": "pg_${p}_j4", "username": "${p}_j4_user"},
  {"schemaName": "${p}_j5", "username": "${p}_j5_user", "password": "with \\" , ] } inside"},
  {"schemaName": "${p}_j6", username: "not json"},
  {"schemaName": "${p}_j7", "username": "${p}_j7_user"}
]
`,
    );
    const credentials = join(dir, 'json-creds.jsonl');
    const result = await run(['create', '--from', file, '--credentials-out', credentials, '--label', 'batch=json', '--json']);
    expect(result.code).toBe(1);
    const summary = json<Summary>(result);
    expect(summary).toMatchObject({ rows: 6, created: 3, skipped: 0, failed: 3 });
    expect(summary.failures.map((failure) => [failure.line, failure.message])).toEqual([
      [5, "unknown field 'unknownField'"],
      [6, expect.stringContaining('names starting with "pg_" are reserved')],
      [8, 'invalid JSON on this line; nothing after this line was read'],
    ]);
    const j2 = json<Record<string, unknown>>(await run(['show', `${p}_j2`, '--json']));
    expect(j2).toMatchObject({ connectionLimit: 3, validUntil: '2031-01-01T00:00:00.000Z', settings: { statement_timeout: '5s' }, labels: { batch: 'json' } });
    expect(json<{ labels: unknown }>(await run(['show', `${p}_j1`, '--json'])).labels).toEqual({ batch: 'json', plan: 'gold' });
    const j5 = (await credentialLines(credentials)).find((entry) => entry.schemaName === `${p}_j5`)!;
    expect(j5.password).toBe('with " , ] } inside');
    expect(await loginAs(j5.connectionString)).toEqual({ user: `${p}_j5_user`, schema: `${p}_j5` });
    expect(await catalogHas(superuser, { schema: `${p}_j7`, role: `${p}_j7_user` })).toEqual({ schema: false, role: false });
  });

  // A heap of 64 MB: a reader that buffered the 50 MB row (as readline did) dies of it; one that stops keeping bytes at 64 KiB does not.
  it.each(['csv', 'jsonl', 'json'] as const)('a 50 MB row in a .%s file is refused with its line number and the limit, in a 64 MB heap', async (format) => {
    const { run, superuser } = db();
    const [before, huge, after] = ['h1', 'h2', 'h3'].map((suffix) => ({ schemaName: `${p}_${format}_${suffix}`, username: `${p}_${format}_${suffix}_user` })) as [Names, Names, Names];
    const file = join(dir, `huge.${format}`);
    const hugeLine = await writeWithHugeRow(file, format, before, huge, after, 50 * 1024 * 1024);
    const credentials = join(dir, `huge-${format}.jsonl`);
    // CSV and JSON Lines skip the line and read on; a JSON array cannot be read past an element given up on, and stops there.
    const readsOn = format !== 'json';
    try {
      const result = await run(['create', '--from', file, '--credentials-out', credentials, '--json'], { env: { NODE_OPTIONS: '--max-old-space-size=64' } });
      expect(result.code, result.stderr.slice(0, 2000)).toBe(1);
      const summary = json<Summary>(result);
      expect(summary).toMatchObject(readsOn ? { rows: 3, created: 2, skipped: 0, failed: 1 } : { rows: 2, created: 1, skipped: 0, failed: 1 });
      const message = {
        csv: 'the record is larger than 64 KiB (65536 bytes), the most one row may take; skipped',
        jsonl: 'the line is larger than 64 KiB (65536 bytes), the most one row may take; skipped',
        json: 'this element of the JSON array is larger than 64 KiB (65536 bytes), the most one row may take; nothing after this line was read',
      }[format];
      expect(summary.failures).toEqual([{ line: hugeLine, code: 'INPUT', message }]);
      expect(result.stderr).toMatch(new RegExp(`line ${hugeLine}: [^\\n]*larger than 64 KiB`));
      const created = readsOn ? [before.schemaName, after.schemaName] : [before.schemaName];
      expect((await credentialLines(credentials)).map((entry) => entry.schemaName).sort()).toEqual(created.sort());
      if (!readsOn) expect(await catalogHas(superuser, { schema: after.schemaName, role: after.username })).toEqual({ schema: false, role: false });
    } finally {
      await rm(file, { force: true });
    }
  });

  it('reads a .tsv file by its header, and a semicolon file with --delimiter, with a quoted multi-line field, rows by the line they start on', async () => {
    const { run } = db();
    const tsv = join(dir, 'tenants.tsv');
    await writeFile(tsv, `schema_name\tusername\tlabels\n${p}_tab1\t${p}_tab1_user\tplan=gold;region=eu\n${p}_tab2\t${p}_tab2_user\t\tstray\n`);
    const fromTsv = await run(['create', '--from', tsv, '--credentials-out', join(dir, 'tsv-creds.jsonl'), '--json']);
    expect(fromTsv.code).toBe(1);
    expect(json<Summary>(fromTsv)).toMatchObject({ rows: 2, created: 1, failed: 1, failures: [{ line: 3, message: '4 fields, but the header has 3 columns' }] });
    expect(json<{ labels: unknown }>(await run(['show', `${p}_tab1`, '--json'])).labels).toEqual({ plan: 'gold', region: 'eu' });
    const semicolon = join(dir, 'semicolon.txt');
    // Line 2's quoted password spans two lines (a password may not hold a line break: that row fails, on line 2); line 4 follows it.
    await writeFile(semicolon, `schema_name;username;password\n${p}_sc1;${p}_sc1_user;"Multi\nLine-Pass-1"\n${p}_sc2;${p}_sc2_user;"Semi;Colon-Pass-2"\npg_${p};x;\n`);
    const credentials = join(dir, 'semicolon-creds.jsonl');
    const fromSemicolon = await run(['create', '--from', semicolon, '--format', 'csv', '--delimiter', ';', '--credentials-out', credentials, '--json']);
    expect(fromSemicolon.code).toBe(1);
    const summary = json<Summary>(fromSemicolon);
    expect(summary).toMatchObject({ rows: 3, created: 1, failed: 2 });
    expect(summary.failures.map((failure) => [failure.line, failure.message])).toEqual([
      [2, expect.stringContaining('control character')],
      [5, expect.stringContaining('reserved by PostgreSQL')],
    ]);
    expect(fromSemicolon.stdout + fromSemicolon.stderr).not.toContain('Line-Pass-1');
    const created = await credentialLines(credentials);
    expect(created.map((entry) => [entry.line, entry.schemaName])).toEqual([[4, `${p}_sc2`]]);
    expect(await loginAs(urlFor(db().database.url, `${p}_sc2_user`, 'Semi;Colon-Pass-2'))).toEqual({ user: `${p}_sc2_user`, schema: `${p}_sc2` });
  });

  it('--dry-run prints every plan, says which rows would be skipped, and changes nothing', async () => {
    const { run, superuser } = db();
    const file = join(dir, 'dry.csv');
    await writeFile(file, `schema_name,username\n${p}_one,${p}_one_user\n${p}_dry,${p}_dry_user\nbad name ,x\n`);
    const roles = [`${p}_dry_user`, `${p}_one_user`];
    const before = await catalogSnapshot(superuser, roles);
    const human = await run(['create', '--from', file, '--dry-run']);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain(`-- line 2: tenant "${p}_one" exists: would be skipped`);
    expect(human.stdout).toContain(`-- line 3: create tenant "${p}_dry"`);
    expect(human.stdout).toContain(`CREATE SCHEMA "${p}_dry";`);
    expect(human.stdout).toMatch(/line 4 "bad name ": .*white ?space/);
    expect(human.stderr).toContain('Dry run: nothing was changed.');
    const document = json<{ dryRun: boolean; tenants: { line: number; status: string; statements?: unknown[] }[]; summary: Record<string, unknown> }>(
      await run(['create', '--from', file, '--dry-run', '--json']),
    );
    expect(document.tenants.map((tenant) => [tenant.line, tenant.status])).toEqual([
      [2, 'would-skip'],
      [3, 'would-create'],
    ]);
    expect(document.summary).toMatchObject({ rows: 3, wouldCreate: 1, wouldSkip: 1, failed: 1 });
    expect(await catalogSnapshot(superuser, roles)).toEqual(before);
    expect(await catalogHas(superuser, { schema: `${p}_dry`, role: `${p}_dry_user` })).toEqual({ schema: false, role: false });
  });

  it('refuses unusable input before creating anything', async () => {
    const { run } = db();
    const header = join(dir, 'header.csv');
    await writeFile(header, 'schema,user\nx,y\n');
    const credentials = join(dir, 'never.jsonl');
    const badHeader = await run(['create', '--from', header, '--credentials-out', credentials]);
    expect(badHeader.code).toBe(1);
    expect(badHeader.stdout).toMatch(/line 1: bad CSV header|line 1: unknown column 'schema'/);
    // Nothing was created, so no empty credentials file is left behind.
    await expect(stat(credentials)).rejects.toThrow();
    const unknownFormat = await run(['create', '--from', join(dir, 'tenants.txt'), '--credentials-out', credentials]);
    expect(unknownFormat.code).toBe(2);
    expect(unknownFormat.stderr).toContain('--format');
    const missing = await run(['create', '--from', join(dir, 'missing.csv'), '--credentials-out', credentials]);
    expect(missing.code).toBe(2);
  });

  it('in-process: draws a progress bar on a terminal, and an interrupt stops before the next row (exit 130)', async () => {
    const { env, superuser } = db();
    const file = join(dir, 'tty.csv');
    await writeFile(file, `schema_name,username\n${p}_tty1,${p}_tty1_user\n${p}_tty2,${p}_tty2_user\n`);
    const run = async (args: string[], signal?: AbortSignal) => {
      let err = '';
      let out = '';
      const stderr = new PassThrough().on('data', (chunk: Buffer) => (err += chunk.toString()));
      const stdout = new PassThrough().on('data', (chunk: Buffer) => (out += chunk.toString()));
      const io: CliIo = { stdin: new PassThrough(), stdout, stderr, env: { ...env, TERM: 'xterm' }, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: true, signal };
      const code = await main(args, io);
      return { code, out, err };
    };
    const interrupted = new AbortController();
    interrupted.abort();
    const stopped = await run(['create', '--from', file, '--credentials-out', join(dir, 'tty-stopped.jsonl')], interrupted.signal);
    expect(stopped.code).toBe(130);
    expect(stopped.out).toContain('Interrupted');
    expect(await catalogHas(superuser, { schema: `${p}_tty1`, role: `${p}_tty1_user` })).toEqual({ schema: false, role: false });

    const drawn = await run(['create', '--from', file, '--credentials-out', join(dir, 'tty.jsonl')]);
    expect(drawn.code, drawn.err).toBe(0);
    expect(drawn.err).toContain('\r\u001b[2K[');
    expect(drawn.err).toMatch(/\[#{30}\] 2\/2 rows/);
    expect(await credentialLines(join(dir, 'tty.jsonl'))).toHaveLength(2);
  });
});

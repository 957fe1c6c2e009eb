import { chmod, chown, lstat, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../usage-error.js';
import { CredentialsFile } from './credentials-file.js';
import { fileState, nobody } from '../test-support/file-state.js';

/**
 * CredentialsFile.open checks the file it opened (fstat on the descriptor), not
 * only the path checkCredentialsTarget looked at earlier: these call it
 * directly, as if the path had been swapped after that early check.
 */
describe('CredentialsFile.open with append', () => {
  let dir: string;
  const earlier = '{"line":1,"schemaName":"earlier"}\n';
  const options = { append: true, shownAs: 'creds.jsonl', command: 'create' };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tenantry-credentials-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function refused(path: string, message: RegExp): Promise<void> {
    const before = await fileState(path);
    const error = await CredentialsFile.open(path, options).then(
      () => expect.fail(`open(${path}) was accepted`),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(message);
    expect(await fileState(path)).toEqual(before);
  }

  it('refuses a file of ours that others can read (0644), naming the mode and the chmod that fixes it', async () => {
    const path = join(dir, 'readable.jsonl');
    await writeFile(path, earlier);
    await chmod(path, 0o644);
    await refused(path, /has mode 0644, not 0600/);
    const error = (await CredentialsFile.open(path, options).catch((e: unknown) => e)) as UsageError;
    expect(error.hint).toBe(`Check who could read it, then: chmod 600 creds.jsonl`);
  });

  it('refuses a symlink, even one to a 0600 file of ours', async () => {
    const target = join(dir, 'target.jsonl');
    await writeFile(target, earlier, { mode: 0o600 });
    const link = join(dir, 'link.jsonl');
    await symlink(target, link);
    await refused(link, /is a symbolic link/);
    expect(await readFile(target, 'utf8')).toBe(earlier);
  });

  // Only root can give a file to another user, and only root could write into another user's 0600 file.
  it.runIf(process.getuid?.() === 0)('as root: refuses a 0600 file of another user', async () => {
    const path = join(dir, 'foreign.jsonl');
    await writeFile(path, earlier, { mode: 0o600 });
    const { uid, gid } = await nobody();
    await chown(path, uid, gid);
    await refused(path, new RegExp(`belongs to another user \\(uid ${uid}, not 0\\)`));
  });

  it('appends to a 0600 file of ours', async () => {
    const path = join(dir, 'ours.jsonl');
    await writeFile(path, earlier, { mode: 0o600 });
    const file = await CredentialsFile.open(path, options);
    await file.write({ line: 2, schemaName: 's', username: 'u', password: 'p', connectionString: 'c', createdAt: 'now' });
    await file.close();
    expect((await readFile(path, 'utf8')).split('\n')).toHaveLength(3);
    expect((await lstat(path)).mode & 0o777).toBe(0o600);
  });
});

import { constants } from 'node:fs';
import { lstat, open, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from '../usage-error.js';

/** One line of the credentials file. */
export interface CredentialsRecord {
  line: number;
  schemaName: string;
  username: string;
  password: string;
  connectionString: string;
  createdAt: string;
}

/**
 * Checks, before anything is created, that the credentials can be written:
 * a new file, or with `append` an existing one only its owner can read.
 *
 * @throws UsageError otherwise.
 */
export async function checkCredentialsTarget(path: string, shownAs: string, append: boolean, command: string): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing === undefined) {
    const parent = await stat(dirname(path)).catch(() => undefined);
    if (!parent?.isDirectory()) throw new UsageError(`--credentials-out: the directory of ${shownAs} does not exist.`, { command });
    return;
  }
  if (!append) {
    throw new UsageError(`--credentials-out: ${shownAs} exists; refusing to overwrite credentials.`, {
      command,
      hint: 'Add --append to add to it (e.g. to resume a run), or choose a new file.',
    });
  }
  // Not through a symlink: the credentials must land in the file that was checked.
  if (!existing.isFile()) throw new UsageError(`--credentials-out: ${shownAs} is not a regular file (a symlink is refused).`, { command });
  if ((existing.mode & 0o077) !== 0) {
    throw new UsageError(
      `--credentials-out: ${shownAs} can be read by other users (mode ${(existing.mode & 0o777).toString(8).padStart(4, '0')}); refusing to append credentials to it.`,
      { command, hint: `chmod 600 ${shownAs}` },
    );
  }
}

/**
 * The credentials of a bulk run as JSON lines, written one at a time as each
 * tenant is created (never held in memory), in a file only its owner can
 * read (mode 0600, set at creation: there is no moment it is readable by
 * others). A new file is created exclusively (O_EXCL); `append` adds to an
 * existing one.
 */
export class CredentialsFile {
  readonly path: string;
  readonly #handle: FileHandle;
  readonly #created: boolean;
  #lines = 0;

  private constructor(path: string, handle: FileHandle, created: boolean) {
    this.path = path;
    this.#handle = handle;
    this.#created = created;
  }

  static async open(path: string, append: boolean): Promise<CredentialsFile> {
    const exists = (await lstat(path).catch(() => undefined)) !== undefined;
    if (exists && !append) throw new Error(`${path} exists`);
    // O_EXCL refuses any existing path, symlinks included; O_NOFOLLOW keeps an append off symlinks.
    const flags = exists
      ? constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW
      : constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND;
    const handle = await open(path, flags, 0o600);
    // The mode passed to open() is narrowed by the umask; make it exactly 0600.
    if (!exists) await handle.chmod(0o600);
    return new CredentialsFile(path, handle, !exists);
  }

  /** Lines written by this run. */
  get lines(): number {
    return this.#lines;
  }

  async write(record: CredentialsRecord): Promise<void> {
    await this.#handle.write(`${JSON.stringify(record)}\n`);
    this.#lines++;
  }

  /** Flushes to disk and closes; a file this run created and wrote nothing to is removed. */
  async close(): Promise<void> {
    try {
      await this.#handle.sync();
    } finally {
      await this.#handle.close();
    }
    if (this.#created && this.#lines === 0) await unlink(this.path).catch(() => undefined);
  }
}

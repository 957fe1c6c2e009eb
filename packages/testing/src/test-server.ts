import { dockerEngineAnswers, startContainerServer } from './container-server.js';
import { startEmbeddedServer, type EmbeddedServerOptions } from './embedded-server.js';
import { resolvePostgresMajor } from './postgres-major.js';
import { queryServerVersionNum } from './server-version.js';

/** The PostgreSQL server a test run uses. */
export interface TestServer {
  /** `'embedded'`: started by this process; `'external'`: from `TEST_DATABASE_URL`. */
  readonly kind: 'embedded' | 'external';
  /** Superuser (or at least CREATEDB/CREATEROLE) connection URL. Contains the password. */
  readonly adminUrl: string;
  /** `server_version_num`, e.g. `180004`. */
  readonly serverVersionNum: number;
  /** Server log for an embedded server; `undefined` for an external one. */
  readonly logFile: string | undefined;
  /** Stops an embedded server; a no-op for an external one. */
  stop(): Promise<void>;
}

/**
 * Options for {@link startTestServer}; they apply to the embedded server only,
 * except `major`, which also picks the testcontainers image (`postgres:<major>`).
 * A `TEST_DATABASE_URL` server is used whatever its version.
 */
export type TestServerOptions = EmbeddedServerOptions;

/**
 * Returns the server the tests should use: the one at `TEST_DATABASE_URL` when
 * that variable is set (it is never stopped); else a testcontainers server when
 * `TENANTRY_TESTCONTAINERS=1` and a Docker engine answers; else a fresh embedded server.
 * The major (option, else `TENANTRY_PG_MAJOR`, else 18) applies to the last two.
 *
 * @example
 * ```ts
 * const server = await startTestServer();
 * console.log(server.kind, server.serverVersionNum);
 * await server.stop();
 * ```
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const externalUrl = process.env['TEST_DATABASE_URL']?.trim();
  if (!externalUrl) {
    if (process.env['TENANTRY_TESTCONTAINERS'] === '1') {
      if (await dockerEngineAnswers()) {
        return startContainerServer(process.env['TENANTRY_TESTCONTAINERS_IMAGE'] ?? `postgres:${resolvePostgresMajor(options.major)}`);
      }
      process.stderr.write('TENANTRY_TESTCONTAINERS=1 but no Docker engine answers: using the embedded PostgreSQL.\n');
    }
    return startEmbeddedServer(options);
  }
  let serverVersionNum: number;
  try {
    serverVersionNum = await queryServerVersionNum(externalUrl);
  } catch (cause) {
    // Name the variable, never its value: it holds a password.
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`Cannot use the server at TEST_DATABASE_URL: ${reason}`, { cause });
  }
  return {
    kind: 'external',
    adminUrl: externalUrl,
    serverVersionNum,
    logFile: undefined,
    stop: async () => undefined,
  };
}

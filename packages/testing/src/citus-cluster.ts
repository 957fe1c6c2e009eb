import { randomBytes } from 'node:crypto';
import { chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCitusBinaries, type CitusBinaries } from './citus-binaries.js';
import { makeCitusCertificates, type CertificateFiles, type CitusCertificates } from './citus-certificates.js';
import { CitusNodeProcess, superuserUrl } from './citus-node.js';
import { canRunPostgresAs, ensurePostgresOsUser, type PostgresOsUser } from './postgres-os-user.js';
import { openServerLog, type ServerLog } from './server-log.js';
import { withClient } from './with-client.js';
import { assertWorldTraversable } from './world-access.js';

/** Options for {@link startCitusCluster}. */
export interface CitusClusterOptions {
  /**
   * The PostgreSQL installation with Citus to run.
   *
   * Defaults to what {@link findCitusBinaries} finds (`TENANTRY_CITUS_PG_BIN`, else /usr/lib/postgresql).
   */
  readonly binaries?: CitusBinaries;
  /**
   * How long each node may take to accept connections, in milliseconds.
   *
   * Defaults to `60_000`.
   */
  readonly startTimeoutMs?: number;
  /**
   * How nodes log in to each other. `certificate` (the default, the model
   * Tenantry documents): the nodes trust the cluster's node certificate as
   * any user. `password`: no such trust, only a `pg_dist_authinfo` password
   * for the superuser, as a cluster set up without it would have: Citus's own
   * connections as any other role then fail (for tests of that failure).
   */
  readonly nodeLogins?: 'certificate' | 'password';
}

/** One PostgreSQL server of the cluster. */
export interface CitusNode {
  /** `coordinator`, `worker1` or `worker2`. */
  readonly name: string;
  readonly role: 'coordinator' | 'worker';
  /** The superuser's URL (`postgres` database, TCP on 127.0.0.1, no TLS). Contains the password. */
  readonly url: string;
  readonly port: number;
  /** Its data directory (owned by the `postgres` OS user when running as root). */
  readonly dataDir: string;
  /** Everything its initdb, postgres and pg_ctl printed (deleted by `stop()`). */
  readonly logFile: string;
  /** Process id of its postmaster; `undefined` once stopped. */
  readonly pid: number | undefined;
}

/** A worker node, as the coordinator knows it (`pg_dist_node`: 127.0.0.1 and this port). */
export interface CitusWorker {
  /** The superuser's URL on this worker directly. Contains the password. */
  readonly url: string;
  readonly port: number;
}

/** A running, throwaway Citus cluster: one coordinator and two workers. */
export interface CitusCluster {
  /** `postgresql://postgres:<password>@127.0.0.1:<port>/postgres`: the coordinator's superuser. */
  readonly coordinatorUrl: string;
  readonly workers: readonly CitusWorker[];
  /** All three nodes, the coordinator first. */
  readonly nodes: readonly CitusNode[];
  /** The PostgreSQL major the nodes run. */
  readonly postgresMajor: number;
  /** `extversion` of the citus extension, e.g. `13.2-1`. */
  readonly citusVersion: string;
  /** The directory that holds everything of the cluster (data, sockets, certificates, logs). */
  readonly directory: string;
  /**
   * The client certificate the nodes present to each other, with the CA that
   * signed it: whoever presents it over TLS is trusted as any user. Readable
   * by the servers' OS user (and root) only.
   */
  readonly nodeCertificate: CertificateFiles & { readonly caFile: string };
  /** Stops the three servers (`pg_ctl stop -m fast`) and deletes {@link directory}. Idempotent. */
  stop(): Promise<void>;
}

const NODE_NAMES = ['coordinator', 'worker1', 'worker2'] as const;
const DEFAULT_START_TIMEOUT_MS = 60_000;

/**
 * pg_hba.conf of every node. The TLS line comes first: Citus connects from
 * node to node as the querying user (any tenant role), so a client presenting
 * the cluster's node certificate is trusted as any user. It checks the chain
 * only (`verify-ca`): `verify-full` would also require the certificate's CN to
 * equal the user name, which one node certificate cannot do for every role.
 * A TLS client without that certificate is refused by that line; a client
 * without TLS (node-postgres's default) gets the password line.
 */
function pgHba(nodeLogins: 'certificate' | 'password'): string {
  return [
    '# Written by @tenantry/testing (citus-cluster.ts).',
    'local   all  all                 scram-sha-256',
    ...(nodeLogins === 'certificate' ? ['hostssl all  all  127.0.0.1/32   trust clientcert=verify-ca'] : []),
    'host    all  all  127.0.0.1/32   scram-sha-256',
    ...(nodeLogins === 'password' ? ['hostssl all  all  127.0.0.1/32   scram-sha-256'] : []),
    '',
  ].join('\n');
}

/**
 * Starts a throwaway Citus cluster for tests: a coordinator and two workers,
 * each a fresh initdb in one new temporary directory, on a free 127.0.0.1
 * port, with its unix socket in a directory private to the cluster.
 *
 * - Clients log in with scram-sha-256 over TCP; the `postgres` superuser has a
 *   random password (given to initdb in a file, deleted right after).
 * - Node to node, Citus connects over TLS with one client certificate signed
 *   by a throwaway CA (`citus.node_conninfo` on every node); the nodes trust
 *   it as any user. Each node has its own server certificate for 127.0.0.1 and
 *   localhost, which the others verify (`sslmode=verify-full`).
 * - `citus` is preloaded and created in the `postgres` database of every node;
 *   schema-based sharding is on at the coordinator; the coordinator and both
 *   workers are registered in `pg_dist_node` as 127.0.0.1.
 *
 * When running as root, the servers run as the `postgres` OS user (created if
 * missing), who owns the directory. Servers still running when this process
 * exits are stopped and their directory deleted.
 *
 * @example
 * ```ts
 * const cluster = await startCitusCluster();
 * try {
 *   // connect with cluster.coordinatorUrl
 * } finally {
 *   await cluster.stop();
 * }
 * ```
 *
 * @throws {Error} when no PostgreSQL with Citus is installed (and none is
 * given), or a node does not start (with the last lines of its log).
 */
export async function startCitusCluster(options: CitusClusterOptions = {}): Promise<CitusCluster> {
  const binaries = options.binaries ?? (await requireCitusBinaries());
  const runAsRoot = process.getuid?.() === 0;
  // PostgreSQL refuses to run as root: as root, it runs as the postgres OS user.
  const osUser = runAsRoot ? await ensurePostgresOsUser() : undefined;
  if (osUser) {
    if (!(await canRunPostgresAs(osUser, binaries.postgres))) {
      throw new Error(`The "${osUser.name}" OS user cannot run ${binaries.postgres}: install PostgreSQL where every user can reach it, or run the tests as a non-root user.`);
    }
    await assertWorldTraversable(tmpdir(), 'Citus test cluster directory');
  }
  // mkdtemp makes it 0700: only the servers' OS user (its owner) and root reach anything in it.
  const directory = await mkdtemp(join(tmpdir(), 'tenantry-citus-'));
  const logs: ServerLog[] = [];
  const nodes: CitusNodeProcess[] = [];
  let forgetOnExit = (): void => undefined;
  try {
    assertPlainPath(directory);
    const socketDir = join(directory, 'sockets');
    const tlsDir = join(directory, 'tls');
    for (const dir of [socketDir, tlsDir]) await mkdir(dir, { mode: 0o700 });
    // Made while the directories are still this process's: no one else can put anything in them meanwhile.
    const certificates = await makeCitusCertificates(tlsDir, NODE_NAMES, osUser);
    if (osUser) {
      for (const dir of [directory, socketDir, tlsDir]) await chown(dir, osUser.uid, osUser.gid);
    }
    for (const name of NODE_NAMES) {
      const log = openServerLog(join(directory, `${name}.log`));
      logs.push(log);
      nodes.push(new CitusNodeProcess({ name, binaries, dataDir: join(directory, name), socketDir, homeDir: directory, osUser, log }));
    }
    forgetOnExit = cleanUpOnExit(() => {
      for (const node of nodes) node.stopSync();
      rmSync(directory, { recursive: true, force: true });
    });

    const password = randomBytes(24).toString('base64url');
    const nodeLogins = options.nodeLogins ?? 'certificate';
    await initNodes(nodes, directory, password, osUser, certificates, socketDir, nodeLogins);
    const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    await Promise.all(nodes.map((node) => node.start(password, timeoutMs)));
    const urls = nodes.map((node) => superuserUrl(password, node.port));
    await Promise.all(urls.map((url) => withClient(url, (client) => client.query('CREATE EXTENSION citus'))));
    const [coordinator, ...workers] = nodes as [CitusNodeProcess, ...CitusNodeProcess[]];
    const citusVersion = await withClient(urls[0]!, async (client) => {
      // Without node trust, the superuser's own node connections need its password (nodeid 0: every node).
      if (nodeLogins === 'password') await client.query('INSERT INTO pg_dist_authinfo (nodeid, rolename, authinfo) VALUES (0, current_user, $1)', [`password=${password}`]);
      await client.query('SELECT citus_set_coordinator_host($1, $2)', ['127.0.0.1', coordinator.port]);
      // citus_add_node connects to the worker from the coordinator: the node certificate's first use.
      for (const worker of workers) await client.query('SELECT citus_add_node($1, $2)', ['127.0.0.1', worker.port]);
      return (await client.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'citus'")).rows[0]!.extversion;
    });

    const stop = once(async () => {
      try {
        await Promise.all(nodes.map((node) => node.stop()));
      } finally {
        forgetOnExit();
        for (const log of logs) log.close();
        await rm(directory, { recursive: true, force: true });
      }
    });
    return {
      coordinatorUrl: urls[0]!,
      workers: workers.map((worker) => ({ url: superuserUrl(password, worker.port), port: worker.port })),
      nodes: nodes.map((node, index) => describeNode(node, urls[index]!, logs[index]!)),
      postgresMajor: binaries.postgresMajor,
      citusVersion,
      directory,
      nodeCertificate: { caFile: certificates.caFile, ...certificates.node },
      stop,
    };
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop().catch(() => undefined)));
    forgetOnExit();
    const tails = logs.map((log) => `--- last lines of ${log.path} ---\n${log.tail(20)}`).join('\n');
    for (const log of logs) log.close();
    await rm(directory, { recursive: true, force: true });
    throw new Error(`The Citus test cluster failed to start: ${error instanceof Error ? error.message : String(error)}${tails ? `\n${tails}` : ''}`, { cause: error });
  }
}

/** {@link findCitusBinaries}, or an error that says what is missing. */
async function requireCitusBinaries(): Promise<CitusBinaries> {
  const result = await findCitusBinaries();
  if ('missing' in result) throw new Error(`No PostgreSQL with Citus installed: ${result.missing}`);
  return result.found;
}

/** initdb for every node, with one superuser password given in a file that is deleted right after. */
async function initNodes(
  nodes: readonly CitusNodeProcess[],
  directory: string,
  password: string,
  osUser: PostgresOsUser | undefined,
  certificates: CitusCertificates,
  socketDir: string,
  nodeLogins: 'certificate' | 'password',
): Promise<void> {
  const passwordFile = join(directory, 'superuser-password');
  // 'wx': never through a file or link someone else put there.
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
  try {
    if (osUser) await chown(passwordFile, osUser.uid, osUser.gid);
    await Promise.all(
      nodes.map((node) => node.init(passwordFile, pgHba(nodeLogins), nodeConfiguration(node.settings.name, certificates, socketDir, nodeLogins))),
    );
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/** What every node's postgresql.conf gets on top of initdb's. */
function nodeConfiguration(name: string, certificates: CitusCertificates, socketDir: string, nodeLogins: 'certificate' | 'password'): Record<string, string> {
  const server = certificates.servers.get(name)!;
  const { node } = certificates;
  return {
    // The port was probed on 127.0.0.1; 'localhost' could also mean ::1.
    listen_addresses: '127.0.0.1',
    unix_socket_directories: socketDir,
    shared_preload_libraries: 'citus',
    // Explicit, so the guarantee does not rest on a version's default.
    password_encryption: 'scram-sha-256',
    ssl: 'on',
    ssl_cert_file: server.certFile,
    ssl_key_file: server.keyFile,
    // Client certificates are checked against this CA (pg_hba's clientcert).
    ssl_ca_file: certificates.caFile,
    'citus.node_conninfo':
      nodeLogins === 'certificate'
        ? `sslmode=verify-full sslrootcert=${certificates.caFile} sslcert=${node.certFile} sslkey=${node.keyFile}`
        : `sslmode=verify-full sslrootcert=${certificates.caFile}`,
    // A test cluster must not report home.
    'citus.enable_statistics_collection': 'off',
    ...(name === 'coordinator' ? { 'citus.enable_schema_based_sharding': 'on' } : {}),
    // Durability against an OS crash is pointless for a cluster deleted after the run, and slow.
    fsync: 'off',
    full_page_writes: 'off',
  };
}

function describeNode(node: CitusNodeProcess, url: string, log: ServerLog): CitusNode {
  return {
    name: node.settings.name,
    role: node.settings.name === 'coordinator' ? 'coordinator' : 'worker',
    url,
    port: node.port,
    dataDir: node.settings.dataDir,
    logFile: log.path,
    get pid() {
      return node.pid;
    },
  };
}

/**
 * Throws unless `path` is made of characters that need no quoting: it goes
 * into `citus.node_conninfo`, a libpq connection string inside a
 * postgresql.conf string; and the socket path must fit in 107 bytes.
 */
function assertPlainPath(path: string): void {
  if (!/^[A-Za-z0-9_./-]+$/.test(path)) {
    throw new Error(`The Citus test cluster's directory ${JSON.stringify(path)} has characters that would need quoting: set TMPDIR to a path of letters, digits, '/', '.', '_' and '-'.`);
  }
  if (Buffer.byteLength(join(path, 'sockets', '.s.PGSQL.65535')) > 107) {
    throw new Error(`The temporary directory ${path} is too long for a unix socket path: set TMPDIR to a shorter directory.`);
  }
}

/**
 * Clusters still running, cleaned up if this process exits without stopping
 * them. Process-wide: vitest may load this module more than once.
 */
const LIVE_KEY = Symbol.for('@tenantry/testing/citus-cluster/live');

/** Registers `cleanUp` (synchronous: 'exit' listeners cannot wait) and returns the function that unregisters it. */
function cleanUpOnExit(cleanUp: () => void): () => void {
  const holder = globalThis as { [LIVE_KEY]?: Set<() => void> };
  let live = holder[LIVE_KEY];
  if (live === undefined) {
    const created = new Set<() => void>();
    live = created;
    holder[LIVE_KEY] = created;
    process.on('exit', () => {
      for (const pending of created) pending();
    });
  }
  const set = live;
  set.add(cleanUp);
  return () => {
    set.delete(cleanUp);
  };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

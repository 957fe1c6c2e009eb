import { connect } from 'node:net';
import { resolvePostgresMajor } from './postgres-major.js';
import type { TestServer } from './test-server.js';

/** The optional package that drives Docker; install it where a Docker engine runs. */
const TESTCONTAINERS_MODULE = '@testcontainers/postgresql';

/** True when a Docker engine answers on its Unix socket (DOCKER_HOST sockets included). */
export async function dockerEngineAnswers(): Promise<boolean> {
  const socketPath = process.env['DOCKER_HOST']?.startsWith('unix://')
    ? process.env['DOCKER_HOST'].slice('unix://'.length)
    : '/var/run/docker.sock';
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    const done = (answers: boolean) => {
      socket.destroy();
      resolve(answers);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Starts PostgreSQL in a container with testcontainers. Opt-in with
 * `TENANTRY_TESTCONTAINERS=1` (image: `TENANTRY_TESTCONTAINERS_IMAGE`, else
 * `postgres:<major>` with the major of `TENANTRY_PG_MAJOR`, default 18) and only
 * where `@testcontainers/postgresql` is installed and a Docker engine answers. This project's own machines have no Docker engine, so
 * this path is not exercised by its CI; the embedded server is the default.
 */
export async function startContainerServer(
  image = process.env['TENANTRY_TESTCONTAINERS_IMAGE'] ?? `postgres:${resolvePostgresMajor()}`,
): Promise<TestServer> {
  let module: { PostgreSqlContainer: new (image: string) => ContainerBuilder };
  try {
    module = (await import(TESTCONTAINERS_MODULE)) as typeof module;
  } catch (cause) {
    throw new Error(`TENANTRY_TESTCONTAINERS=1 needs the optional package ${TESTCONTAINERS_MODULE}: install it first.`, { cause });
  }
  const container = await new module.PostgreSqlContainer(image)
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'scram-sha-256', POSTGRES_INITDB_ARGS: '--auth=scram-sha-256' })
    .start();
  const adminUrl = container.getConnectionUri();
  const { queryServerVersionNum } = await import('./server-version.js');
  return {
    kind: 'external',
    adminUrl,
    serverVersionNum: await queryServerVersionNum(adminUrl),
    logFile: undefined,
    stop: async () => {
      await container.stop();
    },
  };
}

/** The slice of testcontainers' API used here. */
interface ContainerBuilder {
  withEnvironment(environment: Record<string, string>): ContainerBuilder;
  start(): Promise<{ getConnectionUri(): string; stop(): Promise<unknown> }>;
}

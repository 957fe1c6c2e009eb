export { withDatabase } from './database-url.js';
export { withClient } from './with-client.js';
export { startEmbeddedServer, type EmbeddedServer, type EmbeddedServerOptions } from './embedded-server.js';
export { findFreePort } from './free-port.js';
export {
  DEFAULT_POSTGRES_MAJOR,
  POSTGRES_MAJORS,
  isPostgresMajor,
  majorOfVersionNum,
  resolvePostgresMajor,
  type PostgresMajor,
} from './postgres-major.js';
export { createScratchDatabase, type ScratchDatabase } from './scratch-database.js';
export { queryServerVersionNum } from './server-version.js';
export { startTestServer, type TestServer, type TestServerOptions } from './test-server.js';
export { uniqueName } from './unique-name.js';
// Re-exported so that importing this package also types vitest's inject().
export type { TenantryProvidedContext } from './vitest-context.js';
export { serverChecksPasswords } from './password-check.js';
export { enableServerTls, type ServerTls } from './server-tls.js';
export { historySpySql, spyWitnesses, type HistorySpyOptions } from './history-spy.js';

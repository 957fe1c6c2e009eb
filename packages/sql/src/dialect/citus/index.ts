/**
 * @tenantry/sql/citus: PostgreSQL with the Citus extension, for golden tests
 * and readers. `DatabaseAdmin` picks it by itself when the admin's database
 * has the extension (`dialectForServer`).
 */
export { CitusDialect } from './citus-dialect.js';
export { citusServerFactsQuery, namesOnWorkerCommand, publicPrivilegesOnWorkerCommand, type CitusServerFactsRow } from './citus-catalog-queries.js';
export { onEveryWorkerQuery, onEveryWorkerStep, requireEveryWorker, type WorkerCommandRow } from './citus-worker-commands.js';

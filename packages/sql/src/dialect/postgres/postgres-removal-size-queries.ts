import { sql, type CompiledQuery, type RawBuilder } from 'kysely';
import { compiler } from '../../compile-sql.js';
import { namespaceComment, namespaceOid } from './postgres-catalog-queries.js';

/*
 * How big a tenant's removal is, against the server's lock table. Every
 * object DROP SCHEMA ... CASCADE removes takes a lock until commit, and the
 * lock table is shared by all sessions: max_locks_per_transaction ×
 * (max_connections + max_prepared_transactions) slots. A schema with tens of
 * thousands of objects fills it ("out of shared memory", 53200), so its
 * relations are dropped in batches that stay well under it.
 */

/** The share of the server's lock table one admin transaction may fill: a quarter, so other sessions keep theirs. */
const LOCK_TABLE_SHARE = 4;

/** The lock budget of one admin transaction, from the server's settings. */
export function lockBudget(): RawBuilder<number> {
  return sql<number>`(pg_catalog.current_setting('max_locks_per_transaction')::int
      * (pg_catalog.current_setting('max_connections')::int + pg_catalog.current_setting('max_prepared_transactions')::int)
      / ${sql.lit(LOCK_TABLE_SHARE)})`;
}

/** What `removalSizeQuery` reads. */
export interface RemovalSizeRow {
  schema_comment: string | null;
  /** Objects depending on the schema (those in it), and the dependencies on each of them: about the locks a one-transaction drop takes. */
  estimated_locks: number;
  lock_budget: number;
}

/**
 * The schema's marker, about how many locks dropping it whole takes, and the
 * admin's lock budget. The estimate follows pg_depend two steps from the
 * schema, as DROP SCHEMA ... CASCADE does: each object in it (tables,
 * sequences, views, types, functions) and every dependency on each of them
 * (indexes, constraints, defaults, toast tables, row and array types, rules),
 * counted per pg_depend row. Index scans only, so it costs what the tenant
 * holds, not what the database holds (pg_class has no index on the
 * namespace). One round trip.
 *
 * The generated SQL (PostgreSQL):
 * ```sql
 * SELECT (SELECT d.description FROM pg_catalog.pg_description d WHERE ...) AS schema_comment,
 *        (SELECT count(*) + sum((SELECT count(*) FROM pg_catalog.pg_depend d WHERE d.refclassid = o.classid AND d.refobjid = o.objid))
 *           FROM pg_catalog.pg_depend o WHERE o.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND o.refobjid = s.oid)::int AS estimated_locks,
 *        (...) AS lock_budget
 * FROM (SELECT pg_catalog.to_regnamespace(pg_catalog.quote_ident($1))::pg_catalog.oid AS oid) s WHERE s.oid IS NOT NULL
 * ```
 */
export function removalSizeQuery(schemaName: string): CompiledQuery<RemovalSizeRow> {
  return sql<RemovalSizeRow>`
    SELECT ${namespaceComment(sql.raw('s.oid'))} AS schema_comment,
           ${estimatedLocks(sql.raw('s.oid'))} AS estimated_locks,
           ${lockBudget()} AS lock_budget
    FROM ${namespaceOid(schemaName)} s
    WHERE s.oid IS NOT NULL`.compile(compiler);
}

/**
 * `removalSizeQuery`'s estimate for the schema of OID `schemaOid` (an
 * expression), as an integer expression: the objects depending on the
 * schema, plus the pg_depend rows of the objects depending on each of them.
 */
export function estimatedLocks(schemaOid: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`(SELECT count(*) + coalesce(sum((SELECT count(*) FROM pg_catalog.pg_depend d WHERE d.refclassid = o.classid AND d.refobjid = o.objid)), 0)
      FROM pg_catalog.pg_depend o
     WHERE o.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND o.refobjid = ${schemaOid})::int`;
}

/** One relation of a batch, as `removalBatchQuery` reads it. */
export interface RemovalBatchRow {
  name: string;
  /** pg_class.relkind: r, p, v, m, f or S. */
  kind: string;
}

/**
 * The next relations of the schema to drop, in a stable order (partitions
 * first, so a partitioned table's batch does not carry all its partitions),
 * as many as fit the lock budget: each counts twice the objects that depend on
 * it, plus its own two (the relation and its row type). At least one, however
 * large. Sequences owned by a column and indexes go with their table; other
 * kinds of objects (functions, types) go with the schema at the end.
 *
 * The generated SQL (PostgreSQL):
 * ```sql
 * WITH ... SELECT name, kind FROM weighted WHERE running - weight < <budget> ORDER BY is_partition DESC, name COLLATE "C"
 * ```
 */
export function removalBatchQuery(schemaName: string): CompiledQuery<RemovalBatchRow> {
  return sql<RemovalBatchRow>`
    WITH s AS (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ${schemaName}),
         -- Each weighs 2 or more, so no more than half the budget can fit: weigh only those.
         candidates AS (
           SELECT c.oid, c.relname::text AS name, c.relkind::text AS kind, c.relispartition AS is_partition
           FROM pg_catalog.pg_class c JOIN s ON c.relnamespace = s.oid
           WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
             AND NOT (c.relkind = 'S' AND EXISTS (
               SELECT 1 FROM pg_catalog.pg_depend d
               WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
                 AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i')))
           ORDER BY c.relispartition DESC, c.relname COLLATE "C"
           LIMIT ${lockBudget()} / 2 + 1),
         weighted AS (
           SELECT name, kind, is_partition, weight,
                  sum(weight) OVER (ORDER BY is_partition DESC, name COLLATE "C" ROWS UNBOUNDED PRECEDING) AS running
           FROM (SELECT name, kind, is_partition,
                        2 * (1 + (SELECT count(*) FROM pg_catalog.pg_depend d
                                   WHERE d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = candidates.oid)) AS weight
                 FROM candidates) relations)
    SELECT name, kind FROM weighted
    WHERE running - weight < ${lockBudget()}
    ORDER BY is_partition DESC, name COLLATE "C"`.compile(compiler);
}

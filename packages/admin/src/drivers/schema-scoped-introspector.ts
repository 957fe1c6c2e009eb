import {
  DEFAULT_MIGRATION_LOCK_TABLE,
  DEFAULT_MIGRATION_TABLE,
  sql,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  type Kysely,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';

interface ColumnRow {
  column: string;
  not_null: boolean;
  has_default: boolean;
  table: string;
  table_type: string;
  type: string;
  type_schema: string;
  column_description: string | null;
  auto_incrementing: boolean;
}

/**
 * Kysely's PostgreSQL introspection, limited to one tenant's schema.
 *
 * Kysely's `Migrator` asks the introspector for every schema and every table
 * of the database (twice per run) just to learn whether its own history
 * tables exist. On a server with thousands of tenants that reads every column
 * of every tenant's tables, once per tenant migrated: the fleet's migrations
 * slowed down as the fleet grew. A tenant's migrations only ever need their
 * own schema, so that is all this one reads (the catalog only, never a
 * tenant's object). Results have Kysely's shape.
 */
export class SchemaScopedIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<any>;
  readonly #schema: string;

  constructor(db: Kysely<any>, schema: string) {
    this.#db = db;
    this.#schema = schema;
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    const rows = await sql<{ name: string }>`SELECT nspname AS name FROM pg_catalog.pg_namespace WHERE nspname = ${this.#schema}`.execute(this.#db);
    return rows.rows.map((row) => ({ name: row.name }));
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const internal = options.withInternalKyselyTables ? [] : [DEFAULT_MIGRATION_TABLE, DEFAULT_MIGRATION_LOCK_TABLE];
    // Every lookup goes through an index: the schema's relations are found by their
    // dependency on it (pg_class has no index on its schema), and a column's
    // sequence (serial or identity) by its dependency on the column. A scan of
    // pg_class would cost as much as the whole fleet has relations.
    const rows = await sql<ColumnRow>`
      WITH ns AS (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ${this.#schema})
      SELECT a.attname AS column, a.attnotnull AS not_null, a.atthasdef AS has_default,
             c.relname AS table, c.relkind AS table_type, typ.typname AS type, dtns.nspname AS type_schema,
             pg_catalog.col_description(a.attrelid, a.attnum) AS column_description,
             (SELECT count(*) FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class s ON s.oid = d.objid
               WHERE d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = c.oid AND d.refobjsubid = a.attnum
                 AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i') AND s.relkind = 'S') > 0 AS auto_incrementing
        FROM pg_catalog.pg_depend schema_member
        JOIN pg_catalog.pg_class c ON c.oid = schema_member.objid
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
        JOIN pg_catalog.pg_type typ ON a.atttypid = typ.oid
        JOIN pg_catalog.pg_namespace dtns ON typ.typnamespace = dtns.oid
       WHERE schema_member.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
         AND schema_member.refobjid = (SELECT oid FROM ns) AND schema_member.refobjsubid = 0
         AND schema_member.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
         AND c.relnamespace = (SELECT oid FROM ns)
         AND c.relkind IN ('r', 'v', 'p')
         AND a.attnum >= 0 AND NOT a.attisdropped
         AND c.relname <> ALL (${internal}::text[])
       ORDER BY c.relname, a.attnum`.execute(this.#db);
    const tables = new Map<string, TableMetadata>();
    for (const row of rows.rows) {
      let table = tables.get(row.table);
      if (!table) {
        table = { name: row.table, schema: this.#schema, isView: row.table_type === 'v', columns: [] };
        tables.set(row.table, table);
      }
      (table.columns as TableMetadata['columns'][number][]).push({
        name: row.column,
        dataType: row.type,
        dataTypeSchema: row.type_schema,
        isNullable: !row.not_null,
        hasDefaultValue: row.has_default,
        isAutoIncrementing: row.auto_incrementing,
        comment: row.column_description ?? undefined,
      });
    }
    return [...tables.values()];
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}

import type pg from 'pg';

/**
 * Everything the catalog holds about one tenant's schema, as plain JSON with
 * the schema's and the tenant role's names replaced by {@link SCHEMA_PLACEHOLDER}
 * and {@link ROLE_PLACEHOLDER}, so two tenants built alike compare with `toEqual`.
 *
 * Lists of named things are sorted by name (code-point order, after the names
 * are replaced); lists whose order means something keep it (columns, enum
 * labels, composite attributes, parent tables). No OID appears: objects are
 * named, definitions come from the server's deparsers (`pg_get_*def`,
 * `pg_get_expr`, `format_type`), which print names. Empty ACLs mean the
 * default (`acldefault`), so an explicit grant of exactly the default compares
 * equal to none.
 *
 * Left out on purpose: the role's own attributes, settings, memberships,
 * database grants and default privileges outside the schema (role-side: see
 * `tenantFootprint` in `faults/support/catalog-state.ts`), physical details no
 * query can observe (dropped-column slots, relfilenodes, planner statistics),
 * and table data except the migration history and each sequence's last value.
 */
export interface SchemaCatalog {
  schema: { owner: string; acl: string[]; comment: string | null };
  tables: TableEntry[];
  views: ViewEntry[];
  sequences: SequenceEntry[];
  functions: FunctionEntry[];
  types: TypeEntry[];
  /** Extended statistics objects (`CREATE STATISTICS`). */
  statistics: { name: string; definition: string; owner: string; statisticsTarget: number | null; comment: string | null }[];
  /** Collations, conversions, operators, operator classes and families, text search objects: noted, not detailed. */
  otherObjects: { type: string; identity: string; owner: string | null; comment: string | null }[];
  /** Extensions installed in the schema or owning objects there; their objects also appear in the lists above. */
  extensions: { name: string; version: string; installedHere: boolean; objects: string[] }[];
  /** `ALTER DEFAULT PRIVILEGES ... IN SCHEMA` entries for this schema. */
  defaultPrivileges: { role: string; objectType: string; acl: string[] }[];
  /** Kysely's bookkeeping in the schema: applied names (not their timestamps) and the lock rows; `null` where a table is missing. */
  migrations: { history: string[] | null; lock: Record<string, unknown>[] | null };
}

export interface ColumnEntry {
  name: string;
  type: string;
  notNull: boolean;
  default: string | null;
  identity: 'ALWAYS' | 'BY DEFAULT' | null;
  generated: { kind: 'STORED' | 'VIRTUAL'; expression: string } | null;
  collation: string | null;
  storage: string;
  compression: string | null;
  statisticsTarget: number | null;
  options: string[];
  foreignOptions: string[];
  acl: string[];
  comment: string | null;
}

interface RelationEntry {
  name: string;
  kind: string;
  persistence: string;
  owner: string;
  acl: string[];
  options: string[];
  accessMethod: string | null;
  tablespace: string | null;
  comment: string | null;
  columns: ColumnEntry[];
  indexes: { name: string; definition: string; clustered: boolean; valid: boolean; replicaIdentity: boolean; tablespace: string | null; comment: string | null }[];
  triggers: { name: string; definition: string; enabled: string; comment: string | null }[];
  rules: { name: string; definition: string; enabled: string; comment: string | null }[];
}

export interface TableEntry extends RelationEntry {
  rowSecurity: boolean;
  forceRowSecurity: boolean;
  replicaIdentity: string;
  partitionKey: string | null;
  partitionBound: string | null;
  inherits: string[];
  ofType: string | null;
  foreignTable: { server: string; options: string[] } | null;
  constraints: {
    name: string;
    type: string;
    definition: string;
    deferrable: boolean;
    initiallyDeferred: boolean;
    validated: boolean;
    noInherit: boolean;
    local: boolean;
    inheritedCount: number;
    comment: string | null;
  }[];
  policies: { name: string; command: string; permissive: string; roles: string[]; using: string | null; withCheck: string | null; comment: string | null }[];
}

export interface ViewEntry extends RelationEntry {
  definition: string;
  /** Always true for a plain view; false for a materialized view made `WITH NO DATA`. */
  populated: boolean;
}

export interface SequenceEntry {
  name: string;
  type: string;
  start: string;
  increment: string;
  minimum: string;
  maximum: string;
  cache: string;
  cycle: boolean;
  persistence: string;
  owner: string;
  acl: string[];
  comment: string | null;
  /** `OWNED BY` (serial) or identity column, as `schema.table.column`. */
  ownedBy: { column: string; identity: boolean } | null;
  /** `pg_sequence_last_value`: null until first used. */
  lastValue: string | null;
}

export interface FunctionEntry {
  name: string;
  arguments: string;
  result: string | null;
  kind: string;
  language: string;
  securityDefiner: boolean;
  volatility: string;
  parallel: string;
  strict: boolean;
  leakproof: boolean;
  cost: number;
  rows: number;
  config: string[];
  owner: string;
  acl: string[];
  comment: string | null;
  /** `pg_get_functiondef`; null for aggregates, which it cannot print. */
  definition: string | null;
  aggregate: Record<string, unknown> | null;
}

export interface TypeEntry {
  name: string;
  kind: string;
  owner: string;
  acl: string[];
  comment: string | null;
  labels: string[] | null;
  domain: {
    baseType: string;
    notNull: boolean;
    default: string | null;
    collation: string | null;
    constraints: { name: string; definition: string; validated: boolean; comment: string | null }[];
  } | null;
  attributes: { name: string; type: string; collation: string | null; comment: string | null }[] | null;
  range: Record<string, unknown> | null;
}

export interface SchemaCatalogSubject {
  schemaName: string;
  /** The tenant's role: wherever its name appears it becomes {@link ROLE_PLACEHOLDER}. */
  roleName: string;
}

export const SCHEMA_PLACEHOLDER = '<schema>';
export const ROLE_PLACEHOLDER = '<role>';

/**
 * Reads {@link SchemaCatalog} for `schemaName`. Test code: reads the tenant's
 * own tables (Kysely's history), so run it as a superuser.
 *
 * Settings that change how the server prints definitions (search_path, so
 * every name is schema-qualified; quote_all_identifiers; date and interval
 * styles) are pinned for the read and put back afterwards; the client may be
 * inside a transaction.
 *
 * Names are replaced bare (as whole identifiers), quoted (`"My Schema"`, also
 * how JSON markers hold them) and inside literals, so tenants whose names need
 * quoting compare equal to ones whose names do not. Tenantry's schema marker
 * comment has its `createdAt` replaced by `<createdAt>`.
 *
 * @example
 * ```ts
 * expect(await readSchemaCatalog(superuser, { schemaName: 'a', roleName: 'a_user' }))
 *   .toEqual(await readSchemaCatalog(superuser, { schemaName: 'b', roleName: 'b_user' }));
 * ```
 *
 * @throws Error if the schema does not exist.
 */
export async function readSchemaCatalog(client: pg.ClientBase, subject: SchemaCatalogSubject): Promise<SchemaCatalog> {
  const saved = await pinPrintSettings(client);
  const restore = () => client.query(SET_PRINT_SETTINGS_SQL, saved);
  let catalog: SchemaCatalog;
  try {
    catalog = await readPinned(client, subject);
  } catch (error) {
    // In an aborted transaction the restore fails too: report the first error.
    await restore().catch(() => undefined);
    throw error;
  }
  await restore();
  return catalog;
}

const PRINT_SETTINGS: [name: string, value: string][] = [
  ['search_path', 'pg_catalog'],
  ['quote_all_identifiers', 'off'],
  ['datestyle', 'ISO, YMD'],
  ['intervalstyle', 'postgres'],
  ['extra_float_digits', '1'],
];

/** Sets each of {@link PRINT_SETTINGS} for the session, from parameters name, value, name, value... */
const SET_PRINT_SETTINGS_SQL = `SELECT ${PRINT_SETTINGS.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, false)`).join(', ')}`;

/** Pins {@link PRINT_SETTINGS}; returns the previous values as `set_config` parameters (name, value, name, value...). */
async function pinPrintSettings(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ values: string[] }>(
    `SELECT ARRAY[${PRINT_SETTINGS.map((_, i) => `current_setting($${i + 1})`).join(', ')}] AS values`,
    PRINT_SETTINGS.map(([name]) => name),
  );
  await client.query(SET_PRINT_SETTINGS_SQL, PRINT_SETTINGS.flat());
  return PRINT_SETTINGS.flatMap(([name], i) => [name, rows[0]!.values[i]!]);
}

async function readPinned(client: pg.ClientBase, subject: SchemaCatalogSubject): Promise<SchemaCatalog> {
  const found = await client.query<{ oid: string }>('SELECT oid FROM pg_namespace WHERE nspname = $1', [subject.schemaName]);
  if (found.rows.length === 0) throw new Error(`readSchemaCatalog: no schema named ${JSON.stringify(subject.schemaName)}`);
  const schemaOid = found.rows[0]!.oid;
  const replace = placeholderReplacer(subject);
  // One statement for the whole catalog: round trips and planning dominate the time.
  const { rows } = await client.query<{ catalog: unknown }>(CATALOG_SQL, [schemaOid, subject.schemaName]);
  const { schema, tables, views, sequences, functions, types, statistics, otherObjects, extensions, defaultPrivileges } = replaceNames(
    rows[0]!.catalog,
    replace,
  ) as Omit<SchemaCatalog, 'migrations'>;

  return {
    schema: { ...schema, acl: sorted(schema.acl), comment: maskMarkerTime(schema.comment) },
    tables: byName(tables.map(sortTable)),
    views: byName(views.map(sortRelation)),
    sequences: byName(sequences.map((sequence) => ({ ...sequence, acl: sorted(sequence.acl) }))),
    functions: sortedBy(
      functions.map((fn) => ({ ...fn, config: sorted(fn.config), acl: sorted(fn.acl) })),
      (fn) => `${fn.name}(${fn.arguments})`,
    ),
    types: byName(types.map((type) => ({ ...type, acl: sorted(type.acl), domain: type.domain && { ...type.domain, constraints: byName(type.domain.constraints) } }))),
    statistics: byName(statistics),
    otherObjects: sortedBy(otherObjects, (object) => `${object.type} ${object.identity}`),
    extensions: byName(extensions.map((extension) => ({ ...extension, objects: sorted(extension.objects) }))),
    defaultPrivileges: sortedBy(
      defaultPrivileges.map((entry) => ({ ...entry, acl: sorted(entry.acl) })),
      (entry) => `${entry.role} ${entry.objectType}`,
    ),
    migrations: await readMigrationTables(client, subject, replace),
  };
}

/** Kysely's default table names; Tenantry keeps them in the tenant's schema. */
async function readMigrationTables(client: pg.ClientBase, { schemaName }: SchemaCatalogSubject, replace: (text: string) => string): Promise<SchemaCatalog['migrations']> {
  const schema = client.escapeIdentifier(schemaName);
  const { rows } = await client.query<{ history: boolean; lock: boolean }>(
    `SELECT to_regclass(format('%I.kysely_migration', $1::text)) IS NOT NULL AS history,
            to_regclass(format('%I.kysely_migration_lock', $1::text)) IS NOT NULL AS lock`,
    [schemaName],
  );
  const history = rows[0]!.history
    ? sorted((await client.query<{ name: string }>(`SELECT name FROM ${schema}.kysely_migration`)).rows.map((row) => replace(row.name)))
    : null;
  const lock = rows[0]!.lock
    ? sortedBy(
        (await client.query<{ item: Record<string, unknown> }>(`SELECT to_jsonb(l) AS item FROM ${schema}.kysely_migration_lock l`)).rows.map(
          (row) => replaceNames(row.item, replace) as Record<string, unknown>,
        ),
        (row) => JSON.stringify(row),
      )
    : null;
  return { history, lock };
}

// ---------------------------------------------------------------------------
// Queries. Each returns one `item` (jsonb) per object; $1 is the schema's OID, $2 its name.

/** An ACL as `PRIVILEGE TO grantee [WITH GRANT OPTION] (by grantor)` strings; NULL means the default for `kind` and `owner`, or none without a kind. */
function grantsSql(acl: string, kind?: string, owner?: string): string {
  // aclexplode is strict: a NULL ACL without a default gives no rows (a literal {} it would refuse).
  const effective = kind ? `coalesce(${acl}, acldefault('${kind}', ${owner}))` : acl;
  return `(SELECT coalesce(jsonb_agg(a.privilege_type || ' TO ' || CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee)::text END
                 || CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END || ' (by ' || pg_get_userbyid(a.grantor)::text || ')'), '[]'::jsonb)
             FROM aclexplode(${effective}) a)`;
}

/** A regproc-like column printed as `name(argtypes)`, or NULL when unset (0). */
function procedureSql(column: string): string {
  return `CASE WHEN ${column}::oid <> 0 THEN ${column}::regprocedure::text END`;
}

const textArray = (expression: string) => `coalesce(to_jsonb(${expression}), '[]'::jsonb)`;

const PERSISTENCE_SQL = `CASE c.relpersistence WHEN 'p' THEN 'permanent' WHEN 'u' THEN 'unlogged' WHEN 't' THEN 'temporary' ELSE c.relpersistence::text END`;

const SCHEMA_SQL = `
  SELECT jsonb_build_object(
           'owner', pg_get_userbyid(n.nspowner),
           'acl', ${grantsSql('n.nspacl', 'n', 'n.nspowner')},
           'comment', obj_description(n.oid, 'pg_namespace')) AS item
    FROM pg_namespace n WHERE n.oid = $1`;

const COLUMNS_SQL = `
  (SELECT coalesce(jsonb_agg(jsonb_build_object(
            'name', a.attname,
            'type', format_type(a.atttypid, a.atttypmod),
            'notNull', a.attnotnull,
            'default', CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END,
            'identity', CASE a.attidentity WHEN 'a' THEN 'ALWAYS' WHEN 'd' THEN 'BY DEFAULT' END,
            'generated', CASE WHEN a.attgenerated <> '' THEN jsonb_build_object(
                           'kind', CASE a.attgenerated WHEN 's' THEN 'STORED' WHEN 'v' THEN 'VIRTUAL' ELSE a.attgenerated::text END,
                           'expression', pg_get_expr(d.adbin, d.adrelid)) END,
            'collation', CASE WHEN a.attcollation <> 0 THEN a.attcollation::regcollation::text END,
            'storage', a.attstorage,
            'compression', CASE a.attcompression WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' END,
            'statisticsTarget', nullif(a.attstattarget, -1),
            'options', ${textArray('a.attoptions')},
            'foreignOptions', ${textArray('a.attfdwoptions')},
            'acl', ${grantsSql('a.attacl')},
            'comment', col_description(a.attrelid, a.attnum)) ORDER BY a.attnum), '[]'::jsonb)
     FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)`;

const INDEXES_SQL = `
  (SELECT coalesce(jsonb_agg(jsonb_build_object(
            'name', ic.relname,
            'definition', pg_get_indexdef(i.indexrelid),
            'clustered', i.indisclustered,
            'valid', i.indisvalid,
            'replicaIdentity', i.indisreplident,
            'tablespace', its.spcname,
            'comment', obj_description(i.indexrelid, 'pg_class'))), '[]'::jsonb)
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid LEFT JOIN pg_tablespace its ON its.oid = ic.reltablespace
    WHERE i.indrelid = c.oid)`;

// Internal triggers (those of foreign keys) are named after OIDs and follow from the constraints.
const TRIGGERS_SQL = `
  (SELECT coalesce(jsonb_agg(jsonb_build_object(
            'name', t.tgname,
            'definition', pg_get_triggerdef(t.oid),
            'enabled', CASE t.tgenabled WHEN 'O' THEN 'origin' WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica' WHEN 'A' THEN 'always' ELSE t.tgenabled::text END,
            'comment', obj_description(t.oid, 'pg_trigger'))), '[]'::jsonb)
     FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal)`;

// A view's own _RETURN rule is its definition.
const RULES_SQL = `
  (SELECT coalesce(jsonb_agg(jsonb_build_object(
            'name', r.rulename,
            'definition', pg_get_ruledef(r.oid),
            'enabled', CASE r.ev_enabled WHEN 'O' THEN 'origin' WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica' WHEN 'A' THEN 'always' ELSE r.ev_enabled::text END,
            'comment', obj_description(r.oid, 'pg_rewrite'))), '[]'::jsonb)
     FROM pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN')`;

const RELATION_FIELDS_SQL = `
  'name', c.relname,
  'kind', CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'f' THEN 'foreign table'
                         WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' ELSE c.relkind::text END,
  'persistence', ${PERSISTENCE_SQL},
  'owner', pg_get_userbyid(c.relowner),
  'acl', ${grantsSql('c.relacl', 'r', 'c.relowner')},
  'options', ${textArray('c.reloptions')},
  'accessMethod', am.amname,
  'tablespace', ts.spcname,
  'comment', obj_description(c.oid, 'pg_class'),
  'columns', ${COLUMNS_SQL},
  'indexes', ${INDEXES_SQL},
  'triggers', ${TRIGGERS_SQL},
  'rules', ${RULES_SQL}`;

const RELATION_JOINS_SQL = `
  FROM pg_class c LEFT JOIN pg_am am ON am.oid = c.relam LEFT JOIN pg_tablespace ts ON ts.oid = c.reltablespace`;

const TABLES_SQL = `
  SELECT jsonb_build_object(${RELATION_FIELDS_SQL},
           'rowSecurity', c.relrowsecurity,
           'forceRowSecurity', c.relforcerowsecurity,
           'replicaIdentity', CASE c.relreplident WHEN 'd' THEN 'default' WHEN 'n' THEN 'nothing' WHEN 'f' THEN 'full' WHEN 'i' THEN 'index' ELSE c.relreplident::text END,
           'partitionKey', CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
           'partitionBound', pg_get_expr(c.relpartbound, c.oid),
           'inherits', (SELECT coalesce(jsonb_agg(i.inhparent::regclass::text ORDER BY i.inhseqno), '[]'::jsonb) FROM pg_inherits i WHERE i.inhrelid = c.oid),
           'ofType', CASE WHEN c.reloftype <> 0 THEN format_type(c.reloftype, NULL) END,
           'foreignTable', (SELECT jsonb_build_object('server', s.srvname, 'options', ${textArray('ft.ftoptions')})
                              FROM pg_foreign_table ft JOIN pg_foreign_server s ON s.oid = ft.ftserver WHERE ft.ftrelid = c.oid),
           'constraints', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                              'name', k.conname,
                              'type', CASE k.contype WHEN 'c' THEN 'CHECK' WHEN 'f' THEN 'FOREIGN KEY' WHEN 'p' THEN 'PRIMARY KEY' WHEN 'u' THEN 'UNIQUE'
                                                     WHEN 't' THEN 'TRIGGER' WHEN 'x' THEN 'EXCLUDE' WHEN 'n' THEN 'NOT NULL' ELSE k.contype::text END,
                              'definition', pg_get_constraintdef(k.oid),
                              'deferrable', k.condeferrable,
                              'initiallyDeferred', k.condeferred,
                              'validated', k.convalidated,
                              'noInherit', k.connoinherit,
                              'local', k.conislocal,
                              'inheritedCount', k.coninhcount,
                              'comment', obj_description(k.oid, 'pg_constraint'))), '[]'::jsonb)
                             FROM pg_constraint k WHERE k.conrelid = c.oid),
           'policies', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                           'name', p.polname,
                           'command', CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' WHEN '*' THEN 'ALL' END,
                           'permissive', CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
                           'roles', (SELECT jsonb_agg(CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END) FROM unnest(p.polroles) r),
                           'using', pg_get_expr(p.polqual, p.polrelid),
                           'withCheck', pg_get_expr(p.polwithcheck, p.polrelid),
                           'comment', obj_description(p.oid, 'pg_policy'))), '[]'::jsonb)
                          FROM pg_policy p WHERE p.polrelid = c.oid)) AS item
  ${RELATION_JOINS_SQL}
   WHERE c.relnamespace = $1 AND c.relkind IN ('r', 'p', 'f')`;

const VIEWS_SQL = `
  SELECT jsonb_build_object(${RELATION_FIELDS_SQL},
           'definition', pg_get_viewdef(c.oid),
           'populated', c.relispopulated) AS item
  ${RELATION_JOINS_SQL}
   WHERE c.relnamespace = $1 AND c.relkind IN ('v', 'm')`;

// int8 parameters as text: JSON numbers lose precision past 2^53.
const SEQUENCES_SQL = `
  SELECT jsonb_build_object(
           'name', c.relname,
           'type', format_type(s.seqtypid, NULL),
           'start', s.seqstart::text,
           'increment', s.seqincrement::text,
           'minimum', s.seqmin::text,
           'maximum', s.seqmax::text,
           'cache', s.seqcache::text,
           'cycle', s.seqcycle,
           'persistence', ${PERSISTENCE_SQL},
           'owner', pg_get_userbyid(c.relowner),
           'acl', ${grantsSql('c.relacl', 's', 'c.relowner')},
           'comment', obj_description(c.oid, 'pg_class'),
           'ownedBy', (SELECT jsonb_build_object('column', d.refobjid::regclass::text || '.' || quote_ident(a.attname), 'identity', d.deptype = 'i')
                         FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                        WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
                          AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')),
           'lastValue', pg_sequence_last_value(c.oid)::text) AS item
    FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid
   WHERE c.relnamespace = $1 AND c.relkind = 'S'`;

const FUNCTIONS_SQL = `
  SELECT jsonb_build_object(
           'name', p.proname,
           'arguments', pg_get_function_identity_arguments(p.oid),
           'result', pg_get_function_result(p.oid),
           'kind', CASE p.prokind WHEN 'f' THEN 'function' WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' WHEN 'w' THEN 'window' ELSE p.prokind::text END,
           'language', l.lanname,
           'securityDefiner', p.prosecdef,
           'volatility', CASE p.provolatile WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE' WHEN 'v' THEN 'VOLATILE' END,
           'parallel', CASE p.proparallel WHEN 's' THEN 'SAFE' WHEN 'r' THEN 'RESTRICTED' WHEN 'u' THEN 'UNSAFE' END,
           'strict', p.proisstrict,
           'leakproof', p.proleakproof,
           'cost', p.procost,
           'rows', p.prorows,
           'config', ${textArray('p.proconfig')},
           'owner', pg_get_userbyid(p.proowner),
           'acl', ${grantsSql('p.proacl', 'f', 'p.proowner')},
           'comment', obj_description(p.oid, 'pg_proc'),
           'definition', CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END,
           'aggregate', (SELECT jsonb_build_object(
                           'kind', g.aggkind,
                           'directArguments', g.aggnumdirectargs,
                           'transition', ${procedureSql('g.aggtransfn')},
                           'final', ${procedureSql('g.aggfinalfn')},
                           'finalExtra', g.aggfinalextra,
                           'finalModify', g.aggfinalmodify,
                           'combine', ${procedureSql('g.aggcombinefn')},
                           'serialize', ${procedureSql('g.aggserialfn')},
                           'deserialize', ${procedureSql('g.aggdeserialfn')},
                           'stateType', format_type(g.aggtranstype, NULL),
                           'stateSpace', g.aggtransspace,
                           'initialValue', g.agginitval,
                           'sortOperator', CASE WHEN g.aggsortop <> 0 THEN g.aggsortop::regoperator::text END,
                           'movingTransition', ${procedureSql('g.aggmtransfn')},
                           'movingInverse', ${procedureSql('g.aggminvtransfn')},
                           'movingFinal', ${procedureSql('g.aggmfinalfn')},
                           'movingStateType', CASE WHEN g.aggmtranstype <> 0 THEN format_type(g.aggmtranstype, NULL) END,
                           'movingInitialValue', g.aggminitval)
                          FROM pg_aggregate g WHERE g.aggfnoid = p.oid)) AS item
    FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
   WHERE p.pronamespace = $1`;

// Types made along with another object are left out: array types, the row
// types of tables and views, and the multirange of each range.
const TYPES_SQL = `
  SELECT jsonb_build_object(
           'name', t.typname,
           'kind', CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain' WHEN 'c' THEN 'composite' WHEN 'r' THEN 'range'
                                  WHEN 'm' THEN 'multirange' WHEN 'b' THEN 'base' WHEN 'p' THEN 'pseudo' ELSE t.typtype::text END,
           'owner', pg_get_userbyid(t.typowner),
           'acl', ${grantsSql('t.typacl', 'T', 't.typowner')},
           'comment', obj_description(t.oid, 'pg_type'),
           'labels', CASE WHEN t.typtype = 'e' THEN
                       (SELECT coalesce(jsonb_agg(e.enumlabel ORDER BY e.enumsortorder), '[]'::jsonb) FROM pg_enum e WHERE e.enumtypid = t.oid) END,
           'domain', CASE WHEN t.typtype = 'd' THEN jsonb_build_object(
                       'baseType', format_type(t.typbasetype, t.typtypmod),
                       'notNull', t.typnotnull,
                       'default', pg_get_expr(t.typdefaultbin, 0),
                       'collation', CASE WHEN t.typcollation <> 0 THEN t.typcollation::regcollation::text END,
                       'constraints', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                         'name', k.conname,
                                         'definition', pg_get_constraintdef(k.oid),
                                         'validated', k.convalidated,
                                         'comment', obj_description(k.oid, 'pg_constraint'))), '[]'::jsonb)
                                        FROM pg_constraint k WHERE k.contypid = t.oid)) END,
           'attributes', CASE WHEN t.typtype = 'c' THEN
                           (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                     'name', a.attname,
                                     'type', format_type(a.atttypid, a.atttypmod),
                                     'collation', CASE WHEN a.attcollation <> 0 THEN a.attcollation::regcollation::text END,
                                     'comment', col_description(a.attrelid, a.attnum)) ORDER BY a.attnum), '[]'::jsonb)
                              FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) END,
           'range', (SELECT jsonb_build_object(
                       'subtype', format_type(r.rngsubtype, NULL),
                       'collation', CASE WHEN r.rngcollation <> 0 THEN r.rngcollation::regcollation::text END,
                       'subtypeOperatorClass', (SELECT quote_ident(n.nspname) || '.' || quote_ident(o.opcname)
                                                  FROM pg_opclass o JOIN pg_namespace n ON n.oid = o.opcnamespace WHERE o.oid = r.rngsubopc),
                       'canonical', ${procedureSql('r.rngcanonical')},
                       'subtypeDifference', ${procedureSql('r.rngsubdiff')},
                       'multirange', format_type(r.rngmultitypid, NULL))
                      FROM pg_range r WHERE r.rngtypid = t.oid)) AS item
    FROM pg_type t
   WHERE t.typnamespace = $1
     AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
     AND NOT EXISTS (SELECT 1 FROM pg_class r WHERE r.oid = t.typrelid AND r.relkind <> 'c')
     AND NOT EXISTS (SELECT 1 FROM pg_range r WHERE r.rngmultitypid = t.oid)`;

const STATISTICS_SQL = `
  SELECT jsonb_build_object(
           'name', s.stxname,
           'definition', pg_get_statisticsobjdef(s.oid),
           'owner', pg_get_userbyid(s.stxowner),
           'statisticsTarget', nullif(s.stxstattarget, -1),
           'comment', obj_description(s.oid, 'pg_statistic_ext')) AS item
    FROM pg_statistic_ext s WHERE s.stxnamespace = $1`;

const OTHER_OBJECTS_SQL = `
  SELECT jsonb_build_object(
           'type', o.type,
           'identity', o.identity,
           'owner', pg_get_userbyid(x.owner),
           'comment', obj_description(x.objid, x.catalog)) AS item
    FROM (SELECT 'pg_collation'::regclass AS classid, oid AS objid, collowner AS owner, 'pg_collation'::name AS catalog FROM pg_collation WHERE collnamespace = $1
          UNION ALL SELECT 'pg_conversion'::regclass, oid, conowner, 'pg_conversion' FROM pg_conversion WHERE connamespace = $1
          UNION ALL SELECT 'pg_operator'::regclass, oid, oprowner, 'pg_operator' FROM pg_operator WHERE oprnamespace = $1
          UNION ALL SELECT 'pg_opclass'::regclass, oid, opcowner, 'pg_opclass' FROM pg_opclass WHERE opcnamespace = $1
          UNION ALL SELECT 'pg_opfamily'::regclass, oid, opfowner, 'pg_opfamily' FROM pg_opfamily WHERE opfnamespace = $1
          UNION ALL SELECT 'pg_ts_config'::regclass, oid, cfgowner, 'pg_ts_config' FROM pg_ts_config WHERE cfgnamespace = $1
          UNION ALL SELECT 'pg_ts_dict'::regclass, oid, dictowner, 'pg_ts_dict' FROM pg_ts_dict WHERE dictnamespace = $1
          UNION ALL SELECT 'pg_ts_parser'::regclass, oid, NULL::oid, 'pg_ts_parser' FROM pg_ts_parser WHERE prsnamespace = $1
          UNION ALL SELECT 'pg_ts_template'::regclass, oid, NULL::oid, 'pg_ts_template' FROM pg_ts_template WHERE tmplnamespace = $1) x,
         LATERAL pg_identify_object(x.classid, x.objid, 0) o`;

// pg_identify_object reports the schema of each member by name.
const EXTENSIONS_SQL = `
  SELECT jsonb_build_object('name', e.extname, 'version', e.extversion, 'installedHere', e.extnamespace = $1, 'objects', m.objects) AS item
    FROM pg_extension e,
         LATERAL (SELECT coalesce(jsonb_agg(o.identity), '[]'::jsonb) AS objects
                    FROM pg_depend d, LATERAL pg_identify_object(d.classid, d.objid, d.objsubid) o
                   WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid AND d.deptype = 'e' AND o.schema = $2) m
   WHERE e.extnamespace = $1 OR jsonb_array_length(m.objects) > 0`;

const DEFAULT_PRIVILEGES_SQL = `
  SELECT jsonb_build_object(
           'role', pg_get_userbyid(d.defaclrole),
           'objectType', CASE d.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES' WHEN 'f' THEN 'FUNCTIONS'
                                              WHEN 'T' THEN 'TYPES' WHEN 'n' THEN 'SCHEMAS' ELSE d.defaclobjtype::text END,
           'acl', ${grantsSql('d.defaclacl')}) AS item
    FROM pg_default_acl d WHERE d.defaclnamespace = $1`;

const listSql = (query: string) => `(SELECT coalesce(jsonb_agg(q.item), '[]'::jsonb) FROM (${query}) q)`;

const CATALOG_SQL = `
  SELECT jsonb_build_object(
           'schema', (SELECT q.item FROM (${SCHEMA_SQL}) q),
           'tables', ${listSql(TABLES_SQL)},
           'views', ${listSql(VIEWS_SQL)},
           'sequences', ${listSql(SEQUENCES_SQL)},
           'functions', ${listSql(FUNCTIONS_SQL)},
           'types', ${listSql(TYPES_SQL)},
           'statistics', ${listSql(STATISTICS_SQL)},
           'otherObjects', ${listSql(OTHER_OBJECTS_SQL)},
           'extensions', ${listSql(EXTENSIONS_SQL)},
           'defaultPrivileges', ${listSql(DEFAULT_PRIVILEGES_SQL)}) AS catalog`;

// ---------------------------------------------------------------------------
// Names to placeholders, and ordering.

/**
 * Replaces each name where it stands as a whole: quoted (`"A b"`, `""` doubled),
 * JSON-escaped, or bare between characters that cannot continue an identifier.
 * Longest name first, as one may contain the other.
 */
function placeholderReplacer({ schemaName, roleName }: SchemaCatalogSubject): (text: string) => string {
  const rules = [
    { name: schemaName, placeholder: SCHEMA_PLACEHOLDER },
    { name: roleName, placeholder: ROLE_PLACEHOLDER },
  ].sort((a, b) => b.name.length - a.name.length);
  const patterns = rules.map(({ name, placeholder }) => {
    const forms = [`"${name.replaceAll('"', '""')}"`, JSON.stringify(name)].map(escapeRegExp);
    const bare = `(?<![\\p{L}\\p{N}_$])${escapeRegExp(name)}(?![\\p{L}\\p{N}_$])`;
    return { pattern: new RegExp(`${forms.join('|')}|${bare}`, 'gu'), placeholder };
  });
  return (text) => patterns.reduce((result, { pattern, placeholder }) => result.replace(pattern, placeholder), text);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function replaceNames(value: unknown, replace: (text: string) => string): unknown {
  if (typeof value === 'string') return replace(value);
  if (Array.isArray(value)) return value.map((item) => replaceNames(item, replace));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceNames(item, replace)]));
  }
  return value;
}

/** Tenantry's schema marker records when the tenant was made: the one part that differs between twins. */
function maskMarkerTime(comment: string | null): string | null {
  return comment?.startsWith('tenantry:') ? comment.replace(/"createdAt":"[^"]*"/, '"createdAt":"<createdAt>"') : comment;
}

function sortRelation<T extends RelationEntry>(relation: T): T {
  return {
    ...relation,
    acl: sorted(relation.acl),
    options: sorted(relation.options),
    columns: relation.columns.map((column) => ({
      ...column,
      acl: sorted(column.acl),
      options: sorted(column.options),
      foreignOptions: sorted(column.foreignOptions),
    })),
    indexes: byName(relation.indexes),
    triggers: byName(relation.triggers),
    rules: byName(relation.rules),
  };
}

function sortTable(table: TableEntry): TableEntry {
  return {
    ...sortRelation(table),
    foreignTable: table.foreignTable && { ...table.foreignTable, options: sorted(table.foreignTable.options) },
    constraints: byName(table.constraints),
    policies: byName(table.policies.map((policy) => ({ ...policy, roles: sorted(policy.roles) }))),
  };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function sorted(values: readonly string[]): string[] {
  return [...values].sort(compare);
}

/** Sorted by `key`, ties broken by the whole JSON, so the order never depends on the server's. */
function sortedBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => compare(key(a), key(b)) || compare(JSON.stringify(a), JSON.stringify(b)));
}

function byName<T extends { name: string }>(items: readonly T[]): T[] {
  return sortedBy(items, (item) => item.name);
}

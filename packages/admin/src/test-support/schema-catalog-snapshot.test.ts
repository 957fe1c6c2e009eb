import { sql, type Kysely, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSchemaCatalog, type SchemaCatalog, type SchemaCatalogSubject } from './schema-catalog-snapshot.js';
import { uniqueName, useAdminFixture } from './tenant-fixture.js';
import { createTenantLikeSchema, dropTenantLikeSchema } from './tenant-like-schema.js';

/** Quoted names for the DDL templates. */
interface Names {
  schema: string;
  role: string;
  /** A role of this file's, the same for every schema: its name is never replaced. */
  other: string;
}

/**
 * One schema's worth of every kind of object the snapshot covers, made as the
 * schema's role with the schema first on the search_path, as a tenant's
 * migrations are.
 */
const baseDdl = (n: Names): string => `
  CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
  CREATE DOMAIN positive_int AS integer DEFAULT 1 CONSTRAINT positive CHECK (VALUE > 0);
  CREATE TYPE pair AS (left_value integer, right_value text);
  CREATE TYPE float_range AS RANGE (subtype = float8);
  CREATE SEQUENCE counter START 5 INCREMENT 2;
  SELECT nextval('counter');
  CREATE TABLE owners (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text COLLATE "C" NOT NULL DEFAULT 'nobody',
    mood mood DEFAULT 'ok',
    doubled integer GENERATED ALWAYS AS (id * 2) STORED,
    ticket bigint DEFAULT nextval('counter'),
    CONSTRAINT name_not_empty CHECK (name <> '')
  ) WITH (fillfactor = 90);
  CREATE TABLE pets (
    id serial PRIMARY KEY,
    owner_id integer CONSTRAINT pets_owner REFERENCES owners (id) DEFERRABLE INITIALLY DEFERRED,
    size positive_int,
    CONSTRAINT pets_owner_size UNIQUE (owner_id, size)
  );
  CREATE INDEX pets_big ON pets (size) WHERE size > 10;
  CREATE TABLE notes (id integer PRIMARY KEY, body text);
  CREATE VIEW pet_names WITH (security_barrier = true) AS SELECT p.id, o.name FROM pets p JOIN owners o ON o.id = p.owner_id;
  CREATE MATERIALIZED VIEW pet_counts AS SELECT owner_id, count(*) AS pets FROM pets GROUP BY owner_id WITH NO DATA;
  CREATE FUNCTION shout() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT
    AS $$ BEGIN NEW.name := upper(NEW.name); RETURN NEW; END $$;
  CREATE FUNCTION add_one(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT x + 1';
  CREATE PROCEDURE touch_notes() LANGUAGE sql AS $$ UPDATE notes SET body = body $$;
  CREATE AGGREGATE total_size(integer) (sfunc = int4pl, stype = integer, initcond = '0');
  CREATE TRIGGER owners_shout BEFORE INSERT ON owners FOR EACH ROW EXECUTE FUNCTION shout();
  ALTER TABLE owners ENABLE ROW LEVEL SECURITY;
  CREATE POLICY owners_mine ON owners FOR SELECT TO CURRENT_USER USING (name = current_user);
  CREATE POLICY owners_add ON owners FOR INSERT TO PUBLIC WITH CHECK (mood <> 'sad');
  CREATE RULE notes_keep AS ON DELETE TO notes DO INSTEAD NOTHING;
  CREATE STATISTICS pets_stats ON owner_id, size FROM pets;
  CREATE COLLATION my_c FROM "C";
  CREATE TEXT SEARCH CONFIGURATION plain_english (COPY = english);
  GRANT SELECT ON pet_names TO PUBLIC;
  GRANT SELECT ON owners TO ${n.other};
  ALTER DEFAULT PRIVILEGES IN SCHEMA ${n.schema} GRANT SELECT ON TABLES TO ${n.other};
  COMMENT ON TABLE owners IS 'people';
  COMMENT ON COLUMN owners.name IS 'shown in capitals';
  COMMENT ON CONSTRAINT name_not_empty ON owners IS 'a name, please';
  COMMENT ON INDEX pets_big IS 'big pets only';
  COMMENT ON SEQUENCE counter IS 'tickets';
  COMMENT ON VIEW pet_names IS 'who has which pet';
  COMMENT ON FUNCTION shout() IS 'upper case';
  COMMENT ON TRIGGER owners_shout ON owners IS 'shouts';
  COMMENT ON TYPE mood IS 'feelings';
  COMMENT ON POLICY owners_mine ON owners IS 'own rows';
  COMMENT ON RULE notes_keep ON notes IS 'notes stay';
  CREATE TABLE kysely_migration (name varchar(255) PRIMARY KEY, timestamp varchar(255) NOT NULL);
  CREATE TABLE kysely_migration_lock (id varchar(255) PRIMARY KEY, is_locked integer NOT NULL DEFAULT 0);
  INSERT INTO kysely_migration VALUES ('001_first', clock_timestamp()::text), ('002_second', clock_timestamp()::text);
  INSERT INTO kysely_migration_lock VALUES ('migration_lock', 0);`;

/** Changes from the base, and paths where the snapshots must then differ (as {@link differences} prints them): one path per change. */
interface Variation {
  what: string;
  /** Replaces text in the base DDL (which must contain it). */
  replace?: [from: string, to: string][];
  /** Runs as the schema's role after the DDL. */
  asRole?: (n: Names) => string;
  /** Runs as the superuser after the DDL. */
  asSuperuser?: (n: Names) => string;
  expected: string[];
}

const variations: Variation[] = [
  {
    what: 'table settings',
    asRole: () => `ALTER TABLE owners SET (fillfactor = 80); ALTER TABLE notes SET UNLOGGED; ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
                   ALTER TABLE owners FORCE ROW LEVEL SECURITY; ALTER TABLE notes REPLICA IDENTITY FULL`,
    expected: ['tables.owners.options', 'tables.notes.persistence', 'tables.notes.rowSecurity', 'tables.owners.forceRowSecurity', 'tables.notes.replicaIdentity'],
  },
  { what: 'column order', replace: [['notes (id integer PRIMARY KEY, body text)', 'notes (body text, id integer PRIMARY KEY)']], expected: ['tables.notes.columns'] },
  { what: 'column names', asRole: () => 'ALTER TABLE notes RENAME body TO content', expected: ['tables.notes.columns'] },
  {
    what: 'column attributes',
    replace: [['(id * 2) STORED', '(id * 3) STORED'], ['COLLATE "C"', 'COLLATE "POSIX"']],
    asRole: () => `ALTER TABLE notes ALTER body TYPE varchar(200); ALTER TABLE pets ALTER owner_id SET NOT NULL;
                   ALTER TABLE owners ALTER name SET DEFAULT 'someone'; ALTER TABLE owners ALTER id SET GENERATED BY DEFAULT`,
    expected: [
      'tables.owners.columns.doubled.generated.expression',
      'tables.owners.columns.name.collation',
      'tables.notes.columns.body.type',
      'tables.pets.columns.owner_id.notNull',
      'tables.owners.columns.name.default',
      'tables.owners.columns.id.identity',
    ],
  },
  {
    what: 'constraints',
    replace: [[`CHECK (name <> '')`, 'CHECK (length(name) > 1)']],
    asRole: () => 'ALTER TABLE pets ALTER CONSTRAINT pets_owner NOT DEFERRABLE',
    expected: ['tables.owners.constraints.name_not_empty.definition', 'tables.pets.constraints.pets_owner.deferrable'],
  },
  {
    what: 'indexes',
    replace: [['WHERE size > 10', 'WHERE size > 20']],
    asRole: () => 'CREATE INDEX notes_body ON notes (body)',
    expected: ['tables.pets.indexes.pets_big.definition', 'tables.notes.indexes'],
  },
  {
    what: 'sequences',
    asRole: () => `ALTER SEQUENCE counter INCREMENT 3; ALTER SEQUENCE pets_id_seq OWNED BY notes.id; SELECT nextval('counter')`,
    expected: ['sequences.counter.increment', 'sequences.pets_id_seq.ownedBy.column', 'sequences.counter.lastValue'],
  },
  {
    what: 'views',
    replace: [['SELECT p.id, o.name FROM', 'SELECT p.id, o.name AS owner_name FROM']],
    asRole: () => 'ALTER VIEW pet_names SET (security_barrier = false); REFRESH MATERIALIZED VIEW pet_counts',
    expected: ['views.pet_names.definition', 'views.pet_names.options', 'views.pet_counts.populated'],
  },
  {
    what: 'functions',
    replace: [['upper(NEW.name)', 'lower(NEW.name)'], [`initcond = '0'`, `initcond = '1'`]],
    asRole: () => `ALTER FUNCTION shout() SECURITY DEFINER; ALTER FUNCTION add_one(integer) STABLE; ALTER PROCEDURE touch_notes() SET work_mem = '8MB';
                   CREATE PROCEDURE noop() LANGUAGE sql AS 'SELECT 1'`,
    expected: [
      'functions.shout().definition',
      'functions.total_size(integer).aggregate.initialValue',
      'functions.shout().securityDefiner',
      'functions.add_one(x integer).volatility',
      'functions.touch_notes().config',
      'functions',
    ],
  },
  {
    what: 'triggers',
    replace: [['BEFORE INSERT ON owners', 'BEFORE INSERT OR UPDATE ON owners']],
    asRole: () => 'ALTER TABLE owners DISABLE TRIGGER owners_shout',
    expected: ['tables.owners.triggers.owners_shout.definition', 'tables.owners.triggers.owners_shout.enabled'],
  },
  {
    what: 'policies',
    replace: [
      ['owners_mine ON owners FOR SELECT TO CURRENT_USER USING (name = current_user)', 'owners_mine ON owners AS RESTRICTIVE FOR ALL TO PUBLIC USING (true)'],
      [`(mood <> 'sad')`, `(mood <> 'happy')`],
    ],
    expected: [
      'tables.owners.policies.owners_mine.permissive',
      'tables.owners.policies.owners_mine.command',
      'tables.owners.policies.owners_mine.roles',
      'tables.owners.policies.owners_mine.using',
      'tables.owners.policies.owners_add.withCheck',
    ],
  },
  { what: 'rules', asRole: () => 'CREATE RULE notes_frozen AS ON UPDATE TO notes DO INSTEAD NOTHING', expected: ['tables.notes.rules'] },
  {
    what: 'types',
    replace: [['VALUE > 0', 'VALUE >= 0'], ['subtype = float8', 'subtype = numeric']],
    asRole: () => `ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok'; ALTER DOMAIN positive_int SET DEFAULT 2; ALTER TYPE pair ADD ATTRIBUTE extra text`,
    expected: [
      'types.positive_int.domain.constraints.positive.definition',
      'types.float_range.range.subtype',
      'types.mood.labels',
      'types.positive_int.domain.default',
      'types.pair.attributes',
    ],
  },
  {
    what: 'comments on every kind of object',
    asRole: () => `
      COMMENT ON TABLE owners IS 'x'; COMMENT ON COLUMN owners.name IS 'x'; COMMENT ON CONSTRAINT name_not_empty ON owners IS 'x';
      COMMENT ON INDEX pets_big IS 'x'; COMMENT ON SEQUENCE counter IS 'x'; COMMENT ON VIEW pet_names IS 'x'; COMMENT ON FUNCTION shout() IS 'x';
      COMMENT ON TRIGGER owners_shout ON owners IS 'x'; COMMENT ON TYPE mood IS 'x'; COMMENT ON POLICY owners_mine ON owners IS 'x';
      COMMENT ON RULE notes_keep ON notes IS 'x'; COMMENT ON STATISTICS pets_stats IS 'x'; COMMENT ON COLLATION my_c IS 'x'`,
    expected: [
      'tables.owners.comment',
      'tables.owners.columns.name.comment',
      'tables.owners.constraints.name_not_empty.comment',
      'tables.pets.indexes.pets_big.comment',
      'sequences.counter.comment',
      'views.pet_names.comment',
      'functions.shout().comment',
      'tables.owners.triggers.owners_shout.comment',
      'types.mood.comment',
      'tables.owners.policies.owners_mine.comment',
      'tables.notes.rules.notes_keep.comment',
      'statistics.pets_stats.comment',
      'otherObjects',
    ],
  },
  {
    what: 'owners of every kind of object',
    asSuperuser: (n) => `ALTER TABLE notes OWNER TO ${n.other}; ALTER SEQUENCE counter OWNER TO ${n.other}; ALTER VIEW pet_names OWNER TO ${n.other};
                         ALTER FUNCTION shout() OWNER TO ${n.other}; ALTER TYPE mood OWNER TO ${n.other}`,
    expected: ['tables.notes.owner', 'sequences.counter.owner', 'views.pet_names.owner', 'functions.shout().owner', 'types.mood.owner'],
  },
  {
    what: 'grants on every kind of object',
    asRole: (n) => `GRANT INSERT ON notes TO ${n.other}; GRANT UPDATE (body) ON notes TO ${n.other}; GRANT USAGE ON SEQUENCE counter TO ${n.other};
                    REVOKE SELECT ON pet_names FROM PUBLIC; REVOKE EXECUTE ON FUNCTION add_one(integer) FROM PUBLIC; REVOKE USAGE ON TYPE mood FROM PUBLIC;
                    ALTER DEFAULT PRIVILEGES IN SCHEMA ${n.schema} GRANT USAGE ON TYPES TO ${n.other}`,
    asSuperuser: (n) => `GRANT USAGE ON SCHEMA ${n.schema} TO ${n.other}`,
    expected: [
      'tables.notes.acl',
      'tables.notes.columns.body.acl',
      'sequences.counter.acl',
      'views.pet_names.acl',
      'functions.add_one(x integer).acl',
      'types.mood.acl',
      'defaultPrivileges',
      'schema.acl',
    ],
  },
  { what: 'statistics objects', replace: [['pets_stats ON', 'pets_stats (ndistinct) ON']], expected: ['statistics.pets_stats.definition'] },
  { what: 'other objects', asRole: () => 'CREATE COLLATION my_posix FROM "POSIX"', expected: ['otherObjects'] },
  { what: 'extensions', asSuperuser: (n) => `CREATE EXTENSION tsm_system_rows SCHEMA ${n.schema}`, expected: ['extensions', 'functions'] },
  { what: 'the schema comment', asSuperuser: (n) => `COMMENT ON SCHEMA ${n.schema} IS 'not a tenant'`, expected: ['schema.comment'] },
  { what: 'migration history', asRole: () => `INSERT INTO kysely_migration VALUES ('003_third', '')`, expected: ['migrations.history'] },
  { what: 'migration lock', asRole: () => 'UPDATE kysely_migration_lock SET is_locked = 1', expected: ['migrations.lock'] },
];

/**
 * Paths where two snapshots differ. Arrays of named things are matched by
 * name (functions by name and arguments): a different set or order of names
 * is reported at the array itself.
 */
function differences(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const at = (key: string) => (path ? `${path}.${key}` : key);
  if (Array.isArray(a) && Array.isArray(b)) {
    const keyOf = (item: unknown): string | undefined => {
      const entry = item as { name?: unknown; arguments?: unknown } | null;
      if (typeof entry?.name !== 'string') return undefined;
      return typeof entry.arguments === 'string' ? `${entry.name}(${entry.arguments})` : entry.name;
    };
    const keysA = a.map(keyOf);
    const keysB = b.map(keyOf);
    if ([...keysA, ...keysB].some((key) => key === undefined)) return [path];
    const found = JSON.stringify(keysA) === JSON.stringify(keysB) ? [] : [path];
    for (const [index, key] of keysA.entries()) {
      const other = keysB.indexOf(key);
      if (other >= 0) found.push(...differences(a[index], b[other], at(key!)));
    }
    return found;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((key) => differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], at(key)));
  }
  return [path];
}

describe('readSchemaCatalog', () => {
  const fixture = useAdminFixture();
  const otherRole = uniqueName('other_cat');
  const made: SchemaCatalogSubject[] = [];
  let base: SchemaCatalog;
  let baseSubject: SchemaCatalogSubject;

  beforeAll(async () => {
    await fixture().superuser.query(`CREATE ROLE ${pg.escapeIdentifier(otherRole)} NOLOGIN`);
    baseSubject = await buildSchema();
    base = await readSchemaCatalog(fixture().superuser, baseSubject);
  });

  // Runs before the fixture's own clean-up (hooks unwind in reverse), while the database is there.
  afterAll(async () => {
    const { superuser } = fixture();
    for (const subject of made) await dropTenantLikeSchema(superuser, subject);
    const other = pg.escapeIdentifier(otherRole);
    await superuser.query(`DROP OWNED BY ${other}; DROP ROLE ${other}`);
  });

  /** A tenant-like schema with the base DDL, changed by `variation`, run as its role. */
  async function buildSchema(variation: Omit<Variation, 'what' | 'expected'> = {}, subject = plainNames()): Promise<SchemaCatalogSubject> {
    const { superuser } = fixture();
    made.push(subject);
    await createTenantLikeSchema(superuser, subject);
    const n: Names = { schema: pg.escapeIdentifier(subject.schemaName), role: pg.escapeIdentifier(subject.roleName), other: pg.escapeIdentifier(otherRole) };
    let ddl = baseDdl(n);
    for (const [from, to] of variation.replace ?? []) {
      if (!ddl.includes(from)) throw new Error(`the base DDL has no ${JSON.stringify(from)}`);
      ddl = ddl.replace(from, to);
    }
    const inSchema = async (statements: string, asRole: boolean) => {
      const role = asRole ? `SET LOCAL ROLE ${n.role};` : '';
      // One simple query: a failure leaves the transaction open, so roll it back for the next test.
      await superuser.query(`BEGIN; SET LOCAL search_path = ${n.schema}; ${role} ${statements}; COMMIT`).catch(async (error: unknown) => {
        await superuser.query('ROLLBACK');
        throw error;
      });
    };
    await inSchema(ddl, true);
    if (variation.asRole) await inSchema(variation.asRole(n), true);
    if (variation.asSuperuser) await inSchema(variation.asSuperuser(n), false);
    return subject;
  }

  it('reads two schemas built alike, under other names, as equal', async () => {
    const twin = await buildSchema();
    expect(await readSchemaCatalog(fixture().superuser, twin)).toEqual(base);
    // The snapshot is not trivially equal: it holds the objects, with placeholders for the names.
    expect(base.tables.map((table) => table.name)).toEqual(['kysely_migration', 'kysely_migration_lock', 'notes', 'owners', 'pets']);
    expect(base.migrations).toEqual({ history: ['001_first', '002_second'], lock: [{ id: 'migration_lock', is_locked: 0 }] });
    const owners = base.tables.find((table) => table.name === 'owners')!;
    expect(owners.owner).toBe('<role>');
    expect(owners.policies.find((policy) => policy.name === 'owners_mine')?.roles).toEqual(['<role>']);
    expect(base.functions.find((fn) => fn.name === 'shout')?.config).toEqual(['search_path=<schema>']);
    expect(base.schema.comment).toBe('tenantry:{"v":1,"role":<role>,"createdAt":"<createdAt>"}');
  });

  it('reads a schema and role whose names need quoting as equal to plain ones', async () => {
    const quoted = { schemaName: uniqueName('t_cat').replace('t_cat', 'T Cat'), roleName: uniqueName('u_cat').replace('u_cat', 'U-Cat') };
    const twin = await buildSchema({}, quoted);
    expect(differences(base, await readSchemaCatalog(fixture().superuser, twin))).toEqual([]);
  });

  it('prints no OID of the objects it describes', async () => {
    const { rows } = await fixture().superuser.query<{ oid: string }>(
      `SELECT oid::text FROM pg_namespace WHERE nspname = $1
       UNION ALL SELECT oid::text FROM pg_roles WHERE rolname = $2
       UNION ALL SELECT c.oid::text FROM pg_class c WHERE c.relnamespace = to_regnamespace($1)
       UNION ALL SELECT t.oid::text FROM pg_type t WHERE t.typnamespace = to_regnamespace($1)
       UNION ALL SELECT p.oid::text FROM pg_proc p WHERE p.pronamespace = to_regnamespace($1)
       UNION ALL SELECT k.oid::text FROM pg_constraint k WHERE k.connamespace = to_regnamespace($1)
       UNION ALL SELECT g.oid::text FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid WHERE c.relnamespace = to_regnamespace($1)
       UNION ALL SELECT o.oid::text FROM pg_policy o JOIN pg_class c ON c.oid = o.polrelid WHERE c.relnamespace = to_regnamespace($1)
       UNION ALL SELECT r.oid::text FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE c.relnamespace = to_regnamespace($1)`,
      [baseSubject.schemaName, baseSubject.roleName],
    );
    expect(rows.length).toBeGreaterThan(30);
    const printed = JSON.stringify(base);
    expect(rows.map((row) => row.oid).filter((oid) => new RegExp(`\\b${oid}\\b`).test(printed))).toEqual([]);
  });

  it.each(variations)('tells schemas apart by $what', async (variation) => {
    const changed = await readSchemaCatalog(fixture().superuser, await buildSchema(variation));
    expect(differences(base, changed)).toEqual(expect.arrayContaining(variation.expected));
  });

  it('reads two tenants made by createTenant with the same migrations as equal', async () => {
    const { admin, superuser } = fixture();
    const tenants = [];
    for (let i = 0; i < 2; i++) {
      const credentials = await admin.createTenant({ schemaName: uniqueName('t_cat'), username: uniqueName('u_cat') }, { migrations: tenantMigrations });
      tenants.push(await readSchemaCatalog(superuser, { schemaName: credentials.schemaName, roleName: credentials.username }));
    }
    expect(tenants[0]!.migrations.history).toEqual(['001_things', '002_guard']);
    expect(differences(tenants[0], tenants[1])).toEqual([]);
  });
});

type Db = Kysely<any>;

/** Migrations that mention the tenant's names in the catalog: a function's search_path, a policy's role. */
const tenantMigrations: MigrationProvider = {
  getMigrations: async () => ({
    '001_things': {
      up: async (db: Db) => {
        await db.schema
          .createTable('things')
          .addColumn('id', 'integer', (col) => col.generatedAlwaysAsIdentity().primaryKey())
          .addColumn('label', 'text', (col) => col.notNull().defaultTo('none'))
          .execute();
        await db.schema.createIndex('things_label').on('things').column('label').execute();
      },
    },
    '002_guard': {
      up: async (db: Db) => {
        await sql`CREATE FUNCTION guard() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
                    AS 'BEGIN RETURN NEW; END'`.execute(db);
        await sql`CREATE TRIGGER things_guard BEFORE UPDATE ON things FOR EACH ROW EXECUTE FUNCTION guard()`.execute(db);
        await sql`ALTER TABLE things ENABLE ROW LEVEL SECURITY`.execute(db);
        await sql`CREATE POLICY things_own ON things TO CURRENT_USER USING (true)`.execute(db);
      },
    },
  }),
};

function plainNames(): SchemaCatalogSubject {
  return { schemaName: uniqueName('t_cat'), roleName: uniqueName('u_cat') };
}

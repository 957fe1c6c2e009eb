import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { DatabaseError, TenantryError, ValidationError, type TenantCredentials } from '@tenantry/core';
import { createScratchDatabase, historySpySql, spyWitnesses, withClient } from '@tenantry/testing';
import { DatabaseAdmin } from './database-admin.js';
import type { BulkProgress, TenantMigrationOutcome } from './database-admin-options.js';
import { catalogSnapshot, connectAs, currentLane, uniqueName, useAdminFixture, type AdminFixture } from './test-support/tenant-fixture.js';

type Db = Kysely<any>;

function provider(migrations: Record<string, Migration>): MigrationProvider {
  return { getMigrations: async () => migrations };
}

const v1: Record<string, Migration> = {
  '001_users': {
    up: async (db: Db) => {
      await db.schema
        .createTable('users')
        .addColumn('id', 'serial', (col) => col.primaryKey())
        .addColumn('name', 'text', (col) => col.notNull())
        .execute();
    },
  },
  '002_posts': {
    up: async (db: Db) => {
      await db.schema
        .createTable('posts')
        .addColumn('id', 'serial', (col) => col.primaryKey())
        .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id'))
        .addColumn('body', 'text')
        .execute();
      await db.schema.createIndex('posts_user_id').on('posts').column('user_id').execute();
    },
  },
};
const v2: Record<string, Migration> = {
  ...v1,
  '003_users_email': { up: async (db: Db) => void (await db.schema.alterTable('users').addColumn('email', 'text').execute()) },
};
const v3: Record<string, Migration> = {
  ...v2,
  '004_users_email_index': {
    up: async (db: Db) => void (await db.schema.createIndex('users_email').on('users').column('email').execute()),
  },
};

/** Every relation in the schema with its owner, as the catalog says. */
async function relationsIn(superuser: pg.Client, schemaName: string): Promise<{ relname: string; relkind: string; owner: string }[]> {
  const { rows } = await superuser.query<{ relname: string; relkind: string; owner: string }>(
    `SELECT c.relname, c.relkind::text AS relkind, c.relowner::regrole::text AS owner
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 ORDER BY c.relname`,
    [schemaName],
  );
  return rows;
}

async function appliedIn(superuser: pg.Client, schemaName: string): Promise<string[]> {
  const { rows } = await superuser.query<{ name: string }>(
    `SELECT name FROM ${superuser.escapeIdentifier(schemaName)}.kysely_migration ORDER BY name`,
  );
  return rows.map((row) => row.name);
}

/** What the admin role holds in pg_auth_members (as a member), for before/after comparisons. */
async function adminMemberships(fixture: AdminFixture): Promise<unknown[]> {
  const { rows } = await fixture.superuser.query(
    `SELECT m.roleid::regrole::text AS role, m.grantor::regrole::text AS grantor, to_jsonb(m) - 'oid' - 'roleid' - 'member' - 'grantor' AS options
       FROM pg_auth_members m WHERE m.member = $1::regrole ORDER BY 1, 2`,
    [fixture.adminRole],
  );
  return rows;
}

/** Whether the admin can SET ROLE to, or use the privileges of, the tenant role, without being superuser. */
async function adminCanActAs(fixture: AdminFixture, username: string): Promise<boolean> {
  const setPrivilege = inject('tenantryServerVersion') >= 160000 ? 'SET' : 'MEMBER';
  const { rows } = await fixture.superuser.query<{ can: boolean }>(
    `SELECT pg_has_role($1, $2, 'USAGE') OR pg_has_role($1, $2, $3) AS can`,
    [fixture.adminRole, username, setPrivilege],
  );
  return rows[0]!.can;
}

function sqlLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

describe('createTenant with migrations', () => {
  const fixture = useAdminFixture();

  it('creates the tables in the tenant schema, owned by the tenant role, with Kysely bookkeeping there too', async () => {
    const f = fixture();
    const schemaName = uniqueName('t_mig');
    const username = uniqueName('u_mig');
    const credentials = await f.admin.createTenant({ schemaName, username }, { migrations: provider(v1) });

    const relations = await relationsIn(f.superuser, schemaName);
    expect(relations.map((r) => r.relname)).toEqual(
      expect.arrayContaining(['users', 'posts', 'posts_user_id', 'users_id_seq', 'posts_id_seq', 'kysely_migration', 'kysely_migration_lock']),
    );
    expect(relations.filter((r) => r.owner !== username)).toEqual([]);
    expect(await appliedIn(f.superuser, schemaName)).toEqual(['001_users', '002_posts']);
    // Nothing of Kysely's anywhere but in tenant schemas.
    const { rows: elsewhere } = await f.superuser.query(
      `SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname LIKE 'kysely_migration%' AND NOT n.nspname LIKE 't_mig%'`,
    );
    expect(elsewhere).toEqual([]);

    const tenant = await connectAs(credentials.connectionString);
    try {
      await tenant.query(`INSERT INTO users (name) VALUES ('ada')`);
      await tenant.query(`INSERT INTO posts (user_id, body) SELECT id, 'hello' FROM users`);
      const { rows } = await tenant.query('SELECT u.name, p.body FROM posts p JOIN users u ON u.id = p.user_id');
      expect(rows).toEqual([{ name: 'ada', body: 'hello' }]);
      // Its own tables: it may change and drop them.
      await tenant.query('ALTER TABLE posts ADD COLUMN created_at timestamptz');
    } finally {
      await tenant.end();
    }
    if (f.lane === 'least-privilege') expect(await adminCanActAs(f, username)).toBe(false);
  });

  it('quotes the names: case, spaces and quotes in schema and role', async () => {
    const f = fixture();
    const schemaName = `Tenant "Mig" ${uniqueName('x')}`;
    const username = `O'Brien Mig ${uniqueName('y')}`;
    const credentials = await f.admin.createTenant({ schemaName, username }, { migrations: provider(v1) });
    expect((await relationsIn(f.superuser, schemaName)).filter((r) => r.owner !== f.superuser.escapeIdentifier(username))).toEqual([]);
    expect(await appliedIn(f.superuser, schemaName)).toEqual(['001_users', '002_posts']);
    const tenant = await connectAs(credentials.connectionString);
    try {
      expect((await tenant.query('SELECT count(*)::int AS n FROM users')).rows).toEqual([{ n: 0 }]);
    } finally {
      await tenant.end();
    }
  });

  it('leaves the admin role with the memberships it had before', async () => {
    const f = fixture();
    const before = await adminMemberships(f);
    const username = uniqueName('u_mem');
    await f.admin.createTenant({ schemaName: uniqueName('t_mem'), username }, { migrations: provider(v1) });
    const after = (await adminMemberships(f)) as { role: string }[];
    // PostgreSQL 16+ records the ADMIN OPTION a CREATEROLE admin gets on the roles it creates; nothing else is new.
    expect(after.filter((m) => m.role !== username)).toEqual(before);
    if (f.lane === 'least-privilege') expect(await adminCanActAs(f, username)).toBe(false);
  });

  it('with no migrations to run, creates the tenant and the bookkeeping tables only', async () => {
    const f = fixture();
    const schemaName = uniqueName('t_mig');
    await f.admin.createTenant({ schemaName, username: uniqueName('u_mig') }, { migrations: provider({}) });
    expect((await relationsIn(f.superuser, schemaName)).map((r) => r.relname)).toEqual(
      expect.arrayContaining(['kysely_migration', 'kysely_migration_lock']),
    );
    expect(await appliedIn(f.superuser, schemaName)).toEqual([]);
  });

  const failing: [string, Record<string, Migration>, RegExp, string | undefined | 'any'][] = [
    [
      'the second migration throws',
      { ...v1, '003_throws': { up: async () => Promise.reject(new Error('boom in 003')) } },
      /migration "003_throws" failed: boom in 003/,
      undefined,
    ],
    ['bad SQL', { ...v1, '003_bad_sql': { up: async (db: Db) => void (await sql`CREATE TABLEE nope ()`.execute(db)) } }, /migration "003_bad_sql" failed: syntax error/, '42601'],
    [
      'an object that exists (42710, not "the role exists")',
      {
        '001_type': { up: async (db: Db) => void (await db.schema.createType('mood').asEnum(['ok']).execute()) },
        '002_type_again': { up: async (db: Db) => void (await db.schema.createType('mood').asEnum(['ok']).execute()) },
      },
      /migration "002_type_again" failed: type "mood" already exists/,
      '42710',
    ],
    [
      'a table in schema public (the tenant has no rights there)',
      { '001_public': { up: async (db: Db) => void (await db.schema.createTable('public.sneaky').addColumn('id', 'integer').execute()) } },
      /migration "001_public" failed: permission denied for schema public/,
      '42501',
    ],
    [
      'a migration that commits',
      { ...v1, '003_commit': { up: async (db: Db) => void (await sql`COMMIT`.execute(db)) } },
      /migration "003_commit" failed: .*must not begin, commit or roll back/,
      undefined,
    ],
    [
      'a migration that switches back to the admin role',
      { ...v1, '003_reset_role': { up: async (db: Db) => void (await sql`RESET ROLE`.execute(db)) } },
      // Caught by the role check, or earlier where the admin (PostgreSQL 16+, least privilege) may not write the tenant's bookkeeping.
      /switched from the tenant role .* they must not change roles|migration "003_reset_role" failed: permission denied for table kysely_migration/,
      'any',
    ],
  ];

  it.each(failing)('leaves no tenant behind when %s, with a TenantryError', async (_, migrations, message, sqlState) => {
    const f = fixture();
    const schemaName = uniqueName('t_fail');
    const username = uniqueName('u_fail');
    const before = await catalogSnapshot(f.superuser);
    const memberships = await adminMemberships(f);
    const error = await f.admin.createTenant({ schemaName, username }, { migrations: provider(migrations) }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(TenantryError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as Error).message).toMatch(message);
    if (sqlState !== 'any') expect((error as TenantryError).sqlState).toBe(sqlState);
    expect(await catalogSnapshot(f.superuser)).toEqual(before);
    expect(await adminMemberships(f)).toEqual(memberships);
    // The names are free: nothing was left behind.
    await f.admin.createTenant({ schemaName, username }, { migrations: provider(v1) });
  });

  it('never lets a migration error message carry the password', async () => {
    const f = fixture();
    const password = `Secret${uniqueName('pw')}`;
    const error = await f.admin
      .createTenant({ schemaName: uniqueName('t_fail'), username: uniqueName('u_fail'), password }, { migrations: provider({ '001': { up: async (db: Db) => void (await sql`SELECT 1/0`.execute(db)) } }) })
      .then(
        () => new Error('expected a failure'),
        (caught: unknown) => caught as Error,
      );
    expect(error.message).toMatch(/division by zero/);
    expect(JSON.stringify({ message: error.message, stack: error.stack })).not.toContain(password);
    expect((error as TenantryError).sqlState).toBe('22012');
    expect(error.cause).toMatchObject({ code: '22012' });
  });

  it('redacts URLs in errors a migration throws, and keeps no cause that might hold a secret', async () => {
    const f = fixture();
    const secret = `S3cret${uniqueName('pw')}`;
    const thrown = Object.assign(new Error(`cannot reach postgresql://app:${secret}@db.internal/app`), { config: { password: secret } });
    const error = await f.admin
      .createTenant({ schemaName: uniqueName('t_fail'), username: uniqueName('u_fail') }, { migrations: provider({ '001': { up: async () => Promise.reject(thrown) } }) })
      .then(
        () => new Error('expected a failure'),
        (caught: unknown) => caught as Error,
      );
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error.message).toMatch(/migration "001" failed: cannot reach postgresql:\/\/app:/);
    expect(error.message).not.toContain(secret);
    expect(error.cause).toBeUndefined();
  });
});

describe('migrateTenants', () => {
  const fixture = useAdminFixture();
  const tenants: TenantCredentials[] = [];

  it('brings all six tenants to the latest migration; a second run finds them up to date', async () => {
    const f = fixture();
    for (let i = 0; i < 6; i++) {
      const config = { schemaName: `t_bulk_${i}_${uniqueName('x')}`, username: uniqueName(`u_bulk_${i}`) };
      // Half start with the first migrations, half with none.
      tenants.push(await f.admin.createTenant(config, i % 2 === 0 ? { migrations: provider(v1) } : {}));
    }
    const memberships = await adminMemberships(f);
    const progress: (BulkProgress & { last: TenantMigrationOutcome })[] = [];
    const outcomes = await f.admin.migrateTenants({ migrations: provider(v2), onProgress: (p) => progress.push(p) });

    const bySchema = [...tenants].sort((a, b) => (a.schemaName < b.schemaName ? -1 : 1));
    expect(outcomes.map((o) => o.schemaName)).toEqual(bySchema.map((t) => t.schemaName));
    for (const outcome of outcomes) {
      const index = Number(/^t_bulk_(\d)_/.exec(outcome.schemaName)![1]);
      expect(outcome).toEqual({
        schemaName: outcome.schemaName,
        username: tenants[index]!.username,
        status: 'migrated',
        applied: index % 2 === 0 ? ['003_users_email'] : ['001_users', '002_posts', '003_users_email'],
      });
      expect(await appliedIn(f.superuser, outcome.schemaName)).toEqual(['001_users', '002_posts', '003_users_email']);
      expect((await relationsIn(f.superuser, outcome.schemaName)).filter((r) => r.owner !== outcome.username)).toEqual([]);
    }
    expect(progress).toHaveLength(6);
    expect(progress.at(-1)).toMatchObject({ done: 6, total: 6, succeeded: 6, skipped: 0, failed: 0 });
    expect(progress.map((p) => p.done)).toEqual([1, 2, 3, 4, 5, 6]);

    const again = await f.admin.migrateTenants({ migrations: provider(v2) });
    expect(again.map((o) => [o.status, o.applied])).toEqual(Array(6).fill(['up-to-date', []]));
    expect(await adminMemberships(f)).toEqual(memberships);
    if (f.lane === 'least-privilege') {
      for (const tenant of tenants) expect(await adminCanActAs(f, tenant.username)).toBe(false);
    }
  });

  it('reports a tenant whose tables were tampered with as failed, rolls it back, and migrates the others', async () => {
    const f = fixture();
    const victim = tenants[3]!;
    const tenant = await connectAs(victim.connectionString);
    try {
      await tenant.query('ALTER TABLE users DROP COLUMN email');
    } finally {
      await tenant.end();
    }
    const memberships = await adminMemberships(f);
    const outcomes = await f.admin.migrateTenants({ migrations: provider(v3), concurrency: 3 });
    const failed = outcomes.filter((o) => o.status === 'failed');
    expect(failed.map((o) => o.schemaName)).toEqual([victim.schemaName]);
    expect(failed[0]!.applied).toEqual([]);
    expect(TenantryError.isInstance(failed[0]!.error)).toBe(true);
    expect(failed[0]!.error!.message).toMatch(/migration "004_users_email_index" failed: column "email" does not exist/);
    expect(failed[0]!.error!.sqlState).toBe('42703');
    expect(await appliedIn(f.superuser, victim.schemaName)).toEqual(['001_users', '002_posts', '003_users_email']);
    const others = outcomes.filter((o) => o.schemaName !== victim.schemaName);
    expect(others).toHaveLength(5);
    for (const outcome of others) {
      expect(outcome).toMatchObject({ status: 'migrated', applied: ['004_users_email_index'] });
      expect(await appliedIn(f.superuser, outcome.schemaName)).toContain('004_users_email_index');
    }
    expect(await adminMemberships(f)).toEqual(memberships);
    if (f.lane === 'least-privilege') {
      for (const t of tenants) expect(await adminCanActAs(f, t.username)).toBe(false);
    }
  });

  it('runs tenants side by side, never more than `concurrency` at once', async () => {
    const f = fixture();
    let running = 0;
    let most = 0;
    const slow: Migration = {
      up: async (db: Db) => {
        running += 1;
        most = Math.max(most, running);
        await sql`SELECT pg_sleep(0.2)`.execute(db);
        running -= 1;
      },
    };
    const progress: BulkProgress[] = [];
    // The tampered tenant fails at 004 again and never reaches 005.
    const outcomes = await f.admin.migrateTenants({ migrations: provider({ ...v3, '005_slow': slow }), concurrency: 2, onProgress: (p) => progress.push(p) });
    expect(outcomes.filter((o) => o.status === 'migrated')).toHaveLength(5);
    expect(most).toBe(2);
    expect(progress.at(-1)).toMatchObject({ done: 6, succeeded: 5, failed: 1 });
  });

  it('reports a tenant that stopped being whole as failed', async () => {
    const f = fixture();
    const broken = tenants[5]!;
    await f.superuser.query(`COMMENT ON ROLE ${f.superuser.escapeIdentifier(broken.username)} IS NULL`);
    const outcomes = await f.admin.migrateTenants({ migrations: provider({ ...v3, '006_more': { up: async (db: Db) => void (await db.schema.createTable('more').addColumn('id', 'integer').execute()) } }) });
    const outcome = outcomes.find((o) => o.schemaName === broken.schemaName)!;
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('TENANT_NOT_MANAGED');
    expect((await relationsIn(f.superuser, broken.schemaName)).map((r) => r.relname)).not.toContain('more');
  });

  // SET ROLE is no security boundary: objects the tenant made in its schema (here a trigger on
  // kysely_migration) run during a migration and may RESET ROLE. They must land in a role with
  // no more rights than the tenant, never in the admin's session.
  it('gives tenant-made code that runs during a migration no way back to the admin role', async () => {
    const f = fixture();
    const attacker = tenants[0]!;
    const victim = tenants[1]!;
    const asAttacker = await connectAs(attacker.connectionString);
    try {
      await asAttacker.query(`
        CREATE FUNCTION escalate() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
          RESET ROLE;
          BEGIN EXECUTE format('ALTER ROLE %I SUPERUSER', ${sqlLiteral(attacker.username)}); EXCEPTION WHEN OTHERS THEN NULL; END;
          BEGIN EXECUTE format('GRANT %I TO %I', ${sqlLiteral(victim.username)}, ${sqlLiteral(attacker.username)}); EXCEPTION WHEN OTHERS THEN NULL; END;
          BEGIN EXECUTE format('ALTER ROLE %I CREATEROLE', ${sqlLiteral(attacker.username)}); EXCEPTION WHEN OTHERS THEN NULL; END;
          EXECUTE format('SET ROLE %I', ${sqlLiteral(attacker.username)});
          RETURN NEW;
        END $body$;
        CREATE TRIGGER escalate BEFORE INSERT ON kysely_migration FOR EACH ROW EXECUTE FUNCTION escalate();`);
    } finally {
      await asAttacker.end();
    }
    await f.admin.migrateTenants({ migrations: provider({ ...v3, '006_bait': { up: async (db: Db) => void (await db.schema.createTable('bait').addColumn('id', 'integer').execute()) } }) });
    const { rows } = await f.superuser.query(
      `SELECT rolsuper, rolcreaterole, pg_has_role($1, $2, 'MEMBER') AS owns_victim FROM pg_roles WHERE rolname = $1`,
      [attacker.username, victim.username],
    );
    expect(rows[0]).toEqual({ rolsuper: false, rolcreaterole: false, owns_victim: false });
    // The short-lived migrator roles are gone.
    const leftovers = await f.superuser.query(`SELECT rolname FROM pg_roles WHERE rolname LIKE 'tenantry\\_migrator\\_%'`);
    expect(leftovers.rows).toEqual([]);
  });

  it('validates its options before any I/O', async () => {
    const offline = new DatabaseAdmin('postgresql://nobody:nothing@127.0.0.1:1/nowhere', { connectionTimeoutMillis: 500 });
    try {
      for (const concurrency of [0, 65, 1.5, Number.NaN, -1, '4' as unknown as number]) {
        const error = await offline.migrateTenants({ migrations: provider(v1), concurrency }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ValidationError);
        expect(error).toMatchObject({ field: 'concurrency', rule: 'out-of-range' });
      }
      const noMigrations = await offline.migrateTenants({} as never).catch((caught: unknown) => caught);
      expect(noMigrations).toMatchObject({ field: 'migrations', rule: 'type' });
      for (const concurrency of [1, 64]) {
        const error = await offline.migrateTenants({ migrations: provider(v1), concurrency }).catch((caught: unknown) => caught);
        expect((error as TenantryError).code).toBe('CONNECTION');
      }
    } finally {
      await offline.close();
    }
  });
});

describe.runIf(inject('tenantryServerVersion') >= 160000 && currentLane() === 'least-privilege')('migrations with createrole_self_grant (PostgreSQL 16+, least privilege)', () => {
  const fixture = useAdminFixture();

  it("keeps the membership the admin gives itself on the roles it creates, and takes back only SET", async () => {
    const f = fixture();
    const role = f.superuser.escapeIdentifier(f.adminRole);
    await f.superuser.query(`ALTER ROLE ${role} SET createrole_self_grant = 'inherit'`);
    const admin = new DatabaseAdmin(f.adminUrl);
    try {
      const username = uniqueName('u_self');
      const schemaName = uniqueName('t_self');
      await admin.createTenant({ schemaName, username }, { migrations: provider(v1) });
      const grants = async () =>
        (
          await f.superuser.query(
            `SELECT m.inherit_option, m.set_option FROM pg_auth_members m
              WHERE m.roleid = $1::regrole AND m.member = $2::regrole AND m.grantor = $2::regrole`,
            [username, f.adminRole],
          )
        ).rows;
      expect(await grants()).toEqual([{ inherit_option: true, set_option: false }]);
      expect((await relationsIn(f.superuser, schemaName)).filter((r) => r.owner !== username)).toEqual([]);
      const outcomes = await admin.migrateTenants({ migrations: provider(v2) });
      expect(outcomes.find((o) => o.schemaName === schemaName)?.status).toBe('migrated');
      expect(await grants()).toEqual([{ inherit_option: true, set_option: false }]);
    } finally {
      await admin.close();
      await f.superuser.query(`ALTER ROLE ${role} RESET createrole_self_grant`);
    }
  });
});

/** Migrator roles (marked `migratorFor` one of `usernames`) that still exist. */
async function migratorsFor(superuser: pg.ClientBase, usernames: readonly string[]): Promise<string[]> {
  const { rows } = await superuser.query<{ rolname: string }>(
    `SELECT rolname FROM pg_roles WHERE shobj_description(oid, 'pg_authid') LIKE 'tenantry:%'
        AND (substr(shobj_description(oid, 'pg_authid'), 10)::jsonb ->> 'migratorFor') = ANY($1::text[])`,
    [usernames],
  );
  return rows.map((row) => row.rolname);
}

describe('planMigrateTenants', () => {
  const fixture = useAdminFixture();

  it('reports what each tenant lacks (never migrated, partly migrated, up to date) and changes nothing', async () => {
    const f = fixture();
    const create = (prefix: string, migrations?: Record<string, Migration>) =>
      f.admin.createTenant({ schemaName: uniqueName(`t_${prefix}`), username: uniqueName(`u_${prefix}`) }, migrations ? { migrations: provider(migrations) } : {});
    const never = await create('never');
    const partly = await create('partly', v1);
    const latest = await create('latest', v3);
    const before = await catalogSnapshot(f.superuser);
    const relations = await relationsIn(f.superuser, never.schemaName);

    const plans = await f.admin.planMigrateTenants({ migrations: provider(v3), concurrency: 2 });
    expect(plans.map((plan) => plan.schemaName)).toEqual([never, partly, latest].map((t) => t.schemaName).sort());
    const planOf = (tenant: TenantCredentials) => plans.find((plan) => plan.schemaName === tenant.schemaName);
    expect(planOf(never)).toEqual({
      schemaName: never.schemaName,
      username: never.username,
      status: 'pending',
      pending: ['001_users', '002_posts', '003_users_email', '004_users_email_index'],
    });
    expect(planOf(partly)).toEqual({ schemaName: partly.schemaName, username: partly.username, status: 'pending', pending: ['003_users_email', '004_users_email_index'] });
    expect(planOf(latest)).toEqual({ schemaName: latest.schemaName, username: latest.username, status: 'up-to-date', pending: [] });
    // No Kysely tables for the tenant never migrated, no migrator left, nothing else changed.
    expect(await relationsIn(f.superuser, never.schemaName)).toEqual(relations);
    expect(await catalogSnapshot(f.superuser)).toEqual(before);
    // And it is what migrateTenants then does.
    const outcomes = await f.admin.migrateTenants({ migrations: provider(v3) });
    expect(outcomes.map((o) => [o.schemaName, o.applied])).toEqual(plans.map((plan) => [plan.schemaName, plan.pending]));
  });

  // A tenant can turn its history table into a view over its own function: whoever reads the
  // history runs the tenant's code. It must only ever run as the tenant, in a migrator's session.
  it("runs a tenant's function behind its history only as the tenant, never as the admin", async () => {
    const f = fixture();
    const create = (prefix: string) => f.admin.createTenant({ schemaName: uniqueName(`t_${prefix}`), username: uniqueName(`u_${prefix}`) }, { migrations: provider(v1) });
    const quiet = await create('quiet');
    const loud = await create('loud');
    const victim = await create('victim');
    const attackers = [quiet, loud];
    const asVictim = await connectAs(victim.connectionString);
    try {
      await asVictim.query(`CREATE TABLE secrets (v text); INSERT INTO secrets VALUES ('original')`);
    } finally {
      await asVictim.end();
    }
    const channel = uniqueName('spy');
    for (const [tenant, loudly] of [[quiet, false], [loud, true]] as const) {
      const client = await connectAs(tenant.connectionString);
      try {
        await client.query(historySpySql({ schemaName: tenant.schemaName, username: tenant.username, victimSchema: victim.schemaName, channel, loud: loudly }));
      } finally {
        await client.end();
      }
    }
    const listener = await connectAs(f.database.url);
    const notified: string[] = [];
    listener.on('notification', (message) => notified.push(message.payload ?? ''));
    try {
      await listener.query(`LISTEN ${listener.escapeIdentifier(channel)}`);
      const plans = await f.admin.planMigrateTenants({ migrations: provider(v2) });
      await listener.query('SELECT 1'); // notifications committed before this are delivered by now

      const seen: { current: string; session: string }[] = [];
      for (const tenant of attackers) {
        const { rows } = await f.superuser.query<{ current: string; session: string }>(
          `SELECT current_role_name AS current, session_role_name AS session FROM ${f.superuser.escapeIdentifier(tenant.schemaName)}.seen`,
        );
        seen.push(...rows);
      }
      const loudPlan = plans.find((plan) => plan.schemaName === loud.schemaName)!;
      const ran = spyWitnesses({ text: loudPlan.error?.message ?? '', seen, notifications: notified });
      // It did run (the loud one says so), and only as its tenant, in a migrator's session.
      expect(ran.length).toBeGreaterThan(0);
      for (const who of ran) {
        expect([who.current, who.session]).not.toContain(f.adminRole);
        expect(attackers.map((tenant) => tenant.username)).toContain(who.current);
        expect(who.session).toMatch(/^tenantry_migrator_[a-z0-9]+$/);
      }
      expect(loudPlan).toMatchObject({ status: 'failed', pending: [] });
      expect(loudPlan.error?.message).toContain(`Could not read the migration history of tenant "${loud.schemaName}": spy ran as current_user=${loud.username} `);
      const { rows: roles } = await f.superuser.query(`SELECT rolsuper FROM pg_roles WHERE rolname = ANY($1::text[])`, [attackers.map((t) => t.username)]);
      expect(roles).toEqual([{ rolsuper: false }, { rolsuper: false }]);
      expect((await f.superuser.query(`SELECT v FROM ${f.superuser.escapeIdentifier(victim.schemaName)}.secrets`)).rows).toEqual([{ v: 'original' }]);
      // The others' reports are right; the quiet attacker's function returned its real history.
      const others = plans.filter((plan) => [quiet, victim].some((tenant) => tenant.schemaName === plan.schemaName));
      expect(others.map((plan) => [plan.status, plan.pending])).toEqual([
        ['pending', ['003_users_email']],
        ['pending', ['003_users_email']],
      ]);
      expect(await migratorsFor(f.superuser, [quiet, loud, victim].map((t) => t.username))).toEqual([]);
    } finally {
      await listener.end();
    }
  });

  it('validates its options before any I/O', async () => {
    const offline = new DatabaseAdmin('postgresql://nobody:nothing@127.0.0.1:1/nowhere', { connectionTimeoutMillis: 500 });
    try {
      for (const concurrency of [0, 65, 1.5]) {
        const error = await offline.planMigrateTenants({ migrations: provider(v1), concurrency }).catch((caught: unknown) => caught);
        expect(error).toMatchObject({ field: 'concurrency', rule: 'out-of-range' });
      }
      expect(await offline.planMigrateTenants(null as never).catch((caught: unknown) => caught)).toMatchObject({ field: 'options', message: expect.stringContaining('planMigrateTenants') });
      expect(await offline.planMigrateTenants({} as never).catch((caught: unknown) => caught)).toMatchObject({ field: 'migrations', rule: 'type' });
      expect(((await offline.planMigrateTenants({ migrations: provider(v1) }).catch((caught: unknown) => caught)) as TenantryError).code).toBe('CONNECTION');
    } finally {
      await offline.close();
    }
  });
});

describe('migrateTenants with a migrator role that cannot be dropped', () => {
  const fixture = useAdminFixture();

  // A real failure: while the migration runs, a superuser grants the migrator a privilege in
  // another database, which DROP OWNED (this database only) cannot take back, so DROP ROLE fails.
  it('reports it in that tenant, with the fix; the status stays what happened to the migrations', async () => {
    const f = fixture();
    const stuck = await f.admin.createTenant({ schemaName: uniqueName('t_stuck'), username: uniqueName('u_stuck') });
    const clean = await f.admin.createTenant({ schemaName: uniqueName('t_clean'), username: uniqueName('u_clean') });
    const bait = await createScratchDatabase(inject('tenantryAdminUrl'), 'bait');
    let migrator: string | undefined;
    try {
      await withClient(bait.url, (client) => client.query('CREATE TABLE bait (id integer)'));
      const grantInOtherDatabase: Migration = {
        up: async (db: Db) => {
          const { rows } = await sql<{ me: string; session: string }>`SELECT current_user AS me, session_user AS session`.execute(db);
          if (rows[0]!.me === stuck.username) {
            migrator = rows[0]!.session;
            await withClient(bait.url, (client) => client.query(`GRANT SELECT ON bait TO ${client.escapeIdentifier(migrator!)}`));
          }
          await db.schema.createTable('done').addColumn('id', 'integer').execute();
        },
      };
      const outcomes = await f.admin.migrateTenants({ migrations: provider({ '001_done': grantInOtherDatabase }) });
      expect(migrator).toMatch(/^tenantry_migrator_[a-z0-9]+$/);
      const outcome = outcomes.find((o) => o.schemaName === stuck.schemaName)!;
      expect(outcome).toMatchObject({ status: 'migrated', applied: ['001_done'], leftoverRole: migrator });
      expect(outcome.error).toBeUndefined();
      expect(outcome.cleanupError).toBeInstanceOf(DatabaseError);
      expect(outcome.cleanupError!.sqlState).toBe('2BP01');
      expect(outcome.cleanupError!.message).toContain(`cannot be dropped because some objects depend on it (1 object in database ${bait.name})`);
      expect(outcome.cleanupError!.message).toContain(`DROP OWNED BY "${migrator}"`);
      expect(outcome.cleanupError!.message).toContain(`DROP ROLE "${migrator}"`);
      // It really is still there (and can log in only for a while); the migrations were committed.
      const { rows } = await f.superuser.query(`SELECT rolvaliduntil IS NOT NULL AS expires, rolsuper FROM pg_roles WHERE rolname = $1`, [migrator]);
      expect(rows).toEqual([{ expires: true, rolsuper: false }]);
      expect((await relationsIn(f.superuser, stuck.schemaName)).map((r) => [r.relname, r.owner])).toContainEqual(['done', stuck.username]);
      // The other tenant's migrator was dropped, and its outcome says nothing of leftovers.
      expect(outcomes.find((o) => o.schemaName === clean.schemaName)).toEqual({ schemaName: clean.schemaName, username: clean.username, status: 'migrated', applied: ['001_done'] });
      expect(await migratorsFor(f.superuser, [clean.username])).toEqual([]);
    } finally {
      await bait.drop();
      if (migrator) await f.superuser.query(`DROP ROLE IF EXISTS ${f.superuser.escapeIdentifier(migrator)}`);
    }
  });
});

import { sql, type RawBuilder } from 'kysely';
import { TenantAlreadyExistsError, TenantBusyError, TenantNotFoundError, TenantNotManagedError, PermissionError } from '@tenantry/core';
import { checkStep, executablePlan, runStep, type ExecutablePlan, type PlanStep } from '../../executable-plan.js';
import type { CompiledQuery } from 'kysely';
import { Statement } from '../../statement.js';
import type { MysqlFlavor } from './mysql-dialect-config.js';
import { accountName, grantTarget } from './mysql-identifiers.js';
import { accountsTable, lockedExpression } from './mysql-accounts.js';
import { compileMysqlDdl, mysqlCompiler } from './mysql-query-compiler.js';
import { registryDdl, registryTable } from './mysql-registry.js';
import { tenantLockNames } from './mysql-lock-names.js';
import { assertMysqlPasswordSecret } from './mysql-password-secret.js';
import { createStateQuery, liveSessionsQuery, managedStateQuery, type MysqlCatalogContext, type MysqlCreateStateRow, type MysqlManagedStateRow } from './mysql-catalog-queries.js';

/** What the plan builders need besides the tenant's names. */
export interface MysqlPlanContext extends MysqlCatalogContext {
  readonly lockTimeoutMillis: number;
}

/** Input of {@link planMysqlCreateTenant}; names already validated by the dialect's rules. */
export interface MysqlCreateTenantSpec {
  readonly schemaName: string;
  readonly username: string;
  /** From `dialect.passwordSecret()`: a hash, never the plaintext. */
  readonly passwordSecret: string;
}

/** Input of {@link planMysqlRemoveTenant}. */
export interface MysqlRemoveTenantSpec {
  readonly schemaName: string;
  readonly username: string;
}

/** Input of {@link planMysqlRotatePassword}. */
export interface MysqlRotatePasswordSpec {
  readonly schemaName: string;
  readonly username: string;
  readonly passwordSecret: string;
  /** End the tenant's open sessions after the change (MariaDB: `KILL CONNECTION USER`). Default false. */
  readonly terminateSessions?: boolean;
}

/**
 * `checkStep` typed as a `PlanStep`: `CheckStep<Row>` is not assignable to
 * `CheckStep<unknown>` (its `verify` takes `Row[]`), so the seam's helper
 * cannot be used in a `PlanStep[]` as it stands.
 */
function check<Row>(purpose: string, query: CompiledQuery<Row>, verify: (rows: readonly Row[]) => void): PlanStep {
  return checkStep(purpose, query, verify) as unknown as PlanStep;
}

const REDACTED = "'<redacted>'";

function statement(purpose: string, builder: RawBuilder<unknown>): Statement {
  return new Statement(purpose, compileMysqlDdl(builder));
}

/** The statement that sets a password hash, and its printable form. */
function passwordClause(flavor: MysqlFlavor, secret: string): { sql: RawBuilder<unknown>; text: RawBuilder<unknown> } {
  assertMysqlPasswordSecret(flavor, secret);
  if (flavor === 'mariadb') {
    return { sql: sql`IDENTIFIED BY PASSWORD ${sql.lit(secret)}`, text: sql`IDENTIFIED BY PASSWORD ${sql.raw(REDACTED)}` };
  }
  // The salt may hold quotes and backslashes: MySQL 8 takes the hash as a hex literal (paper).
  return {
    sql: sql`IDENTIFIED WITH caching_sha2_password AS ${sql.raw(`0x${Buffer.from(secret, 'latin1').toString('hex').toUpperCase()}`)}`,
    text: sql`IDENTIFIED WITH caching_sha2_password AS ${sql.raw(REDACTED)}`,
  };
}

function secretStatement(purpose: string, build: (clause: RawBuilder<unknown>) => RawBuilder<unknown>, clause: { sql: RawBuilder<unknown>; text: RawBuilder<unknown> }): Statement {
  return new Statement(purpose, compileMysqlDdl(build(clause.sql)), compileMysqlDdl(build(clause.text)));
}

function lockWaitStatement(context: MysqlPlanContext): Statement {
  const seconds = Math.max(1, Math.ceil(context.lockTimeoutMillis / 1000));
  return statement(
    "bound metadata-lock waits (default 86400 s): DROP DATABASE waits for a tenant's open transaction",
    sql`SET SESSION lock_wait_timeout = ${sql.lit(seconds)}`,
  );
}

/** GET_LOCK on both names; 0 (timed out) or NULL stops the plan as busy. Released in `finally`. */
function lockSteps(context: MysqlPlanContext, action: string, schemaName: string, username: string): PlanStep[] {
  const seconds = context.lockTimeoutMillis / 1000;
  return tenantLockNames(schemaName, username).map((name, index) =>
    check(
      `take the named lock on the tenant's ${index === 0 ? 'database' : 'user'} name`,
      sql<{ got: number | null }>`SELECT GET_LOCK(${name}, ${seconds}) AS got`.compile(mysqlCompiler),
      (rows) => {
        if (Number(rows[0]?.got ?? 0) !== 1) throw new TenantBusyError({ action, lockTimeoutMillis: context.lockTimeoutMillis });
      },
    ),
  );
}

function releaseStatements(schemaName: string, username: string): Statement[] {
  return tenantLockNames(schemaName, username).map((name) => statement('release the named lock', sql`DO RELEASE_LOCK(${sql.lit(name)})`));
}

/**
 * Runs `ddl` only when `condition` (an expression on session variables) is
 * true, through a prepared statement (DDL has no IF of its own). The DDL text
 * is a literal of names only (the name rules refuse backslashes), so it reads
 * alike in every sql_mode.
 */
function when(condition: string, purpose: string, ddl: RawBuilder<unknown>): Statement[] {
  const text = compileMysqlDdl(ddl);
  return [
    statement(purpose, sql`SET @tenantry_sql = IF(${sql.raw(condition)}, ${sql.lit(text)}, 'DO 0')`),
    statement(purpose, sql`PREPARE tenantry_stmt FROM @tenantry_sql`),
    statement(purpose, sql`EXECUTE tenantry_stmt`),
    statement(purpose, sql`DEALLOCATE PREPARE tenantry_stmt`),
  ];
}

/** Decides, under the locks, whether the names are free, or held by a half-made tenant of exactly these names. */
export function verifyCreateState(schemaName: string, username: string, host: string): (rows: readonly MysqlCreateStateRow[]) => void {
  return (rows) => {
    const row = rows[0];
    if (row === undefined) throw new Error('create check returned no row');
    const n = (v: unknown) => Number(v ?? 0);
    if (n(row.schema_taken) > 0) throw new TenantAlreadyExistsError({ objectKind: 'schema', objectName: schemaName });
    if (n(row.user_taken) > 0) throw new TenantAlreadyExistsError({ objectKind: 'role', objectName: username });
    const state = row.own_state;
    const reclaimable = (state === 'creating' || (state === 'unlocking' && n(row.account_locked) === 1)) && row.own_host === host;
    if (state !== null && !reclaimable) throw new TenantAlreadyExistsError({ objectKind: 'schema', objectName: schemaName });
    if (reclaimable) {
      // Our half-made tenant: its account, if any, must be the one on the tenant host.
      if (n(row.accounts_with_name) > n(row.account_exists)) throw new TenantAlreadyExistsError({ objectKind: 'role', objectName: username });
      return;
    }
    if (n(row.accounts_with_name) > 0) throw new TenantAlreadyExistsError({ objectKind: 'role', objectName: username });
    if (n(row.database_exists) > 0) throw new TenantAlreadyExistsError({ objectKind: 'schema', objectName: schemaName });
  };
}

/**
 * The create plan ("all or nothing" without transactional DDL). Each step
 * commits on its own; a failing step undoes the completed ones in reverse.
 *
 *  1. `SET SESSION lock_wait_timeout`, GET_LOCK on both names (bounded).
 *  2. check: names free, or held by a half-made tenant of these names
 *     (registry `creating`, or `unlocking` with the account still locked).
 *  3. finish such a leftover (conditional: only when its registry row exists).
 *  4. registry row `creating`                 undo: delete it
 *  5. CREATE USER ... ACCOUNT LOCK             undo: DROP USER (takes its grants)
 *  6. CREATE DATABASE                          undo: DROP DATABASE
 *  7. GRANT ALL ON `escaped`.*                 (undone by DROP USER)
 *  8. registry `unlocking`
 *  9. ALTER USER ... ACCOUNT UNLOCK            undo: ACCOUNT LOCK
 * 10. registry `active`
 * finally: RELEASE_LOCK both.
 *
 * A connection killed anywhere leaves at most: a registry row in `creating`
 * or `unlocking`, a locked account, a database nobody can log in to. Such a
 * tenant is never listed (see `MysqlTenantState`), and a later create of the
 * same names (step 3) or a remove finishes it.
 */
export function planMysqlCreateTenant(context: MysqlPlanContext, spec: MysqlCreateTenantSpec): ExecutablePlan {
  const { schemaName, username } = spec;
  const host = context.tenantHost;
  const account = accountName(username, host);
  const registry = registryTable(context.registryDatabase);
  const clause = passwordClause(context.flavor, spec.passwordSecret);
  const reclaimCondition = sql`(SELECT COUNT(*) FROM ${registry} r WHERE r.schema_name = ${sql.lit(schemaName)} AND r.username = ${sql.lit(username)} AND r.host = ${sql.lit(host)} AND r.state IN ('creating', 'unlocking'))`;
  const steps: PlanStep[] = [
    runStep([lockWaitStatement(context)]),
    ...lockSteps(context, `create tenant "${schemaName}"`, schemaName, username),
    check('check that both names are free (or held by a half-made tenant of these names)', createStateQuery(context, schemaName, username), verifyCreateState(schemaName, username, host)),
    runStep([
      statement('is there a half-made tenant of these names to finish? (the check above proved anything that exists is one)', sql`SET @tenantry_reclaim = ${reclaimCondition}`),
      ...when('@tenantry_reclaim > 0', 'finish a half-made tenant: drop its locked user', sql`DROP USER IF EXISTS ${account}`),
      ...when('@tenantry_reclaim > 0', 'finish a half-made tenant: drop its database', sql`DROP DATABASE IF EXISTS ${sql.id(schemaName)}`),
      statement('finish a half-made tenant: delete its registry row', sql`DELETE FROM ${registry} WHERE schema_name = ${sql.lit(schemaName)} AND username = ${sql.lit(username)} AND state IN ('creating', 'unlocking')`),
    ]),
    runStep(
      [statement('record the tenant as being created', sql`INSERT INTO ${registry} (schema_name, username, host, state) VALUES (${sql.lit(schemaName)}, ${sql.lit(username)}, ${sql.lit(host)}, 'creating')`)],
      [statement('undo: delete the registry row', sql`DELETE FROM ${registry} WHERE schema_name = ${sql.lit(schemaName)} AND username = ${sql.lit(username)} AND state IN ('creating', 'unlocking')`)],
    ),
    runStep(
      [secretStatement('create the tenant user, locked until everything is in place', (c) => sql`CREATE USER ${account} ${c} ACCOUNT LOCK`, clause)],
      [statement('undo: drop the tenant user (and its grants)', sql`DROP USER IF EXISTS ${account}`)],
    ),
    runStep(
      [statement("create the tenant's database", sql`CREATE DATABASE ${sql.id(schemaName)}`)],
      [statement("undo: drop the tenant's database", sql`DROP DATABASE IF EXISTS ${sql.id(schemaName)}`)],
    ),
    runStep([statement('grant every privilege on its database, and nothing else (_ and % escaped)', sql`GRANT ALL PRIVILEGES ON ${grantTarget(schemaName)} TO ${account}`)]),
    runStep([statement('record that only the unlock is left', sql`UPDATE ${registry} SET state = 'unlocking' WHERE schema_name = ${sql.lit(schemaName)} AND username = ${sql.lit(username)}`)]),
    runStep(
      [statement('unlock the tenant user: the tenant exists from here', sql`ALTER USER ${account} ACCOUNT UNLOCK`)],
      [statement('undo: lock the tenant user again', sql`ALTER USER IF EXISTS ${account} ACCOUNT LOCK`)],
    ),
    runStep([statement('record the tenant as active', sql`UPDATE ${registry} SET state = 'active' WHERE schema_name = ${sql.lit(schemaName)} AND username = ${sql.lit(username)}`)]),
  ];
  return executablePlan('create-tenant', 'compensation', steps, releaseStatements(schemaName, username));
}

/** Remove's check: the registry must name exactly this database and user. */
export function verifyManaged(schemaName: string, username: string, host: string, options: { requireActive: boolean }): (rows: readonly MysqlManagedStateRow[]) => void {
  return (rows) => {
    const row = rows[0];
    if (row === undefined) throw new Error('managed-state check returned no row');
    if (row.state === null) {
      if (Number(row.database_exists) > 0) throw new TenantNotManagedError({ objectKind: 'schema', objectName: schemaName, reason: "Tenantry's registry has no tenant of that database" });
      if (Number(row.account_exists) > 0 || row.username_registered_for !== null) {
        throw new TenantNotManagedError({ objectKind: 'role', objectName: username, reason: `Tenantry's registry has no tenant "${schemaName}" with that user` });
      }
      throw new TenantNotFoundError({ objectKind: 'schema', objectName: schemaName });
    }
    if (row.registered_username !== username || row.registered_host !== host) {
      throw new TenantNotManagedError({ objectKind: 'role', objectName: username, reason: `tenant "${schemaName}" belongs to another user (or host) in Tenantry's registry` });
    }
    if (options.requireActive && row.state !== 'active' && row.state !== 'unlocking') {
      throw new TenantNotFoundError({ objectKind: 'schema', objectName: schemaName });
    }
  };
}

/**
 * Fails the plan while sessions of the user are still alive after the KILL
 * (a killed session shows as `Killed` until it ends). MariaDB: KILL USER
 * without CONNECTION ADMIN kills nothing and says nothing, so this is what
 * notices. MySQL 8 (paper) has no KILL ... USER: the orchestrator ends the
 * sessions first (`sessionIdsQuery`, `killSessionStatement`), this refuses
 * what is left.
 */
function sessionsEndedStep(flavor: MysqlFlavor, username: string, action: string): PlanStep {
  return check("check that the tenant's sessions are gone", liveSessionsQuery(username), (rows) => {
    const sessions = Number(rows[0]?.sessions ?? 0);
    if (sessions === 0) return;
    const fix =
      flavor === 'mariadb'
        ? 'KILL CONNECTION USER left them running: grant the admin CONNECTION ADMIN (MariaDB 10.5.2+, or SUPER) and PROCESS, then retry.'
        : 'MySQL has no KILL ... USER: end them by id first (dialect.sessionIdsQuery and killSessionStatement; the admin needs CONNECTION_ADMIN and PROCESS), then retry.';
    throw new PermissionError({ privilege: flavor === 'mariadb' ? 'CONNECTION ADMIN' : 'CONNECTION_ADMIN', message: `Could not ${action}: ${sessions} session(s) of the tenant are still open. ${fix}` });
  });
}

function killSessionsStatements(flavor: MysqlFlavor, username: string, host: string): Statement[] {
  if (flavor === 'mariadb') return [statement("end the tenant's open sessions", sql`KILL CONNECTION USER ${accountName(username, host)}`)];
  return []; // MySQL 8 has no KILL ... USER: the check after it refuses while sessions remain (see the dialect's killSessionStatement).
}

/**
 * The remove plan. It finishes any state a tenant can be left in (half-made
 * or half-removed), which is why every drop says IF EXISTS: the registry
 * check, under the locks, proved that what exists under these names is ours.
 *
 *  1. lock_wait_timeout, GET_LOCK both names; check the registry names them.
 *  2. ALTER USER ... ACCOUNT LOCK               undo: unlock, if it was unlocked
 *  3. registry `removing` (no longer listed)   undo: the previous state
 *  4. KILL CONNECTION USER; check none is left alive
 *  5. DROP DATABASE IF EXISTS (no tenant code runs: DROP DATABASE fires no trigger)
 *  6. DROP USER IF EXISTS (takes its grants; grants outlive DROP DATABASE)
 *  7. delete the registry row
 * finally: RELEASE_LOCK both.
 */
export function planMysqlRemoveTenant(context: MysqlPlanContext, spec: MysqlRemoveTenantSpec): ExecutablePlan {
  const { schemaName, username } = spec;
  const host = context.tenantHost;
  const account = accountName(username, host);
  const registry = registryTable(context.registryDatabase);
  const where = sql`schema_name = ${sql.lit(schemaName)} AND username = ${sql.lit(username)}`;
  const action = `remove tenant "${schemaName}"`;
  const steps: PlanStep[] = [
    runStep([lockWaitStatement(context)]),
    ...lockSteps(context, action, schemaName, username),
    check("check that Tenantry's registry names this database and user together", managedStateQuery(context, schemaName, username), verifyManaged(schemaName, username, host, { requireActive: false })),
    runStep(
      [
        statement('remember whether the account was locked, for the undo', sql`SET @tenantry_was_locked = (SELECT MAX(${lockedExpression(context.flavor, 'a')}) FROM ${accountsTable(context.flavor)} a WHERE a.User = ${sql.lit(username)} AND a.Host = ${sql.lit(host)})`),
        statement('lock the tenant user first: no new sessions, even if the removal stops here', sql`ALTER USER IF EXISTS ${account} ACCOUNT LOCK`),
      ],
      when('@tenantry_was_locked = 0', 'undo: unlock the tenant user (it was unlocked before)', sql`ALTER USER IF EXISTS ${account} ACCOUNT UNLOCK`),
    ),
    runStep(
      [
        statement('remember the state, for the undo', sql`SET @tenantry_state = (SELECT state FROM ${registry} WHERE ${where})`),
        statement('record the tenant as being removed: it is no longer listed', sql`UPDATE ${registry} SET state = 'removing' WHERE ${where}`),
      ],
      [statement('undo: restore the state', sql`UPDATE ${registry} SET state = @tenantry_state WHERE ${where} AND @tenantry_state IS NOT NULL`)],
    ),
    runStep(killSessionsStatements(context.flavor, username, host)),
    sessionsEndedStep(context.flavor, username, action),
    runStep([statement("drop the tenant's database (runs no trigger or routine of the tenant)", sql`DROP DATABASE IF EXISTS ${sql.id(schemaName)}`)]),
    runStep([statement('drop the tenant user and its grants', sql`DROP USER IF EXISTS ${account}`)]),
    runStep([statement('delete the registry row', sql`DELETE FROM ${registry} WHERE ${where}`)]),
  ];
  return executablePlan('remove-tenant', 'compensation', steps, releaseStatements(schemaName, username));
}

/**
 * The rotate plan: under the locks, check the tenant is listed, set the new
 * hash (`ALTER USER`, not `SET PASSWORD`: with only CREATE USER the latter
 * needs UPDATE on mysql, error 1044), optionally end the tenant's sessions.
 */
export function planMysqlRotatePassword(context: MysqlPlanContext, spec: MysqlRotatePasswordSpec): ExecutablePlan {
  const { schemaName, username } = spec;
  const host = context.tenantHost;
  const account = accountName(username, host);
  const action = `rotate the password of tenant "${schemaName}"`;
  const clause = passwordClause(context.flavor, spec.passwordSecret);
  const steps: PlanStep[] = [
    runStep([lockWaitStatement(context)]),
    ...lockSteps(context, action, schemaName, username),
    check("check that Tenantry's registry names this database and user together", managedStateQuery(context, schemaName, username), verifyManaged(schemaName, username, host, { requireActive: true })),
    runStep([secretStatement('set the new password hash', (c) => sql`ALTER USER ${account} ${c}`, clause)]),
  ];
  if (spec.terminateSessions === true) {
    steps.push(runStep(killSessionsStatements(context.flavor, username, host)), sessionsEndedStep(context.flavor, username, action));
  }
  return executablePlan('rotate-password', 'compensation', steps, releaseStatements(schemaName, username));
}

/**
 * The prepare plan: the registry database and table (InnoDB), idempotent.
 * The registry is admin-only: nothing is granted on it, and the name rules
 * refuse a tenant database of that name.
 */
export function planMysqlPrepare(context: MysqlPlanContext): ExecutablePlan {
  const [database, table] = registryDdl(context.registryDatabase);
  return executablePlan('prepare-database', 'compensation', [
    runStep([statement("create Tenantry's registry database (admin-only)", database!), statement("create Tenantry's registry table", table!)]),
  ]);
}

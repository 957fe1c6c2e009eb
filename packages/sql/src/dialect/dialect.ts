import type { CompiledQuery } from 'kysely';
import type { RemovalBlocker, TenantryError } from '@tenantry/core';
import type { CheckStep, ExecutablePlan } from '../executable-plan.js';
import type { Plan } from '../plan.js';
import type { Statement } from '../statement.js';
import type { MigrationLedger, SuspensionMark } from '../tenant-marker.js';
import type { CreationOptionName, NameRules, TenantNames, TenantSpec } from './tenant-spec.js';

/*
 * The seam every database family stands behind (PostgreSQL, the MySQL
 * family), after Kysely's `Dialect`: a small factory of pure parts (rules,
 * secrets, plans, catalog readers, error mapping). The I/O half, one driver
 * per client library (`pg`, `mysql2`), lives in @tenantry/admin and knows no
 * dialect; the orchestrator runs the plans a dialect returns with one
 * executor. A new dialect is a folder under `dialect/` and a line in
 * `dialect-registry.ts`. See docs/architecture/dialect-seam.md.
 */

/** The client library a dialect's plans run through; admin loads it lazily. */
export type DialectClient = 'pg' | 'mysql2';

/**
 * Runs one catalog query where the caller stands (a transaction or a
 * connection of the admin's) and returns its rows. A dialect's readers take
 * one and do no I/O of their own, as Kysely's `DatabaseIntrospector` does.
 */
export type CatalogReader = <Row>(query: CompiledQuery<Row>) => Promise<Row[]>;

/** What the orchestrator knows about the server and the admin, read once per `DatabaseAdmin`. */
export interface ServerFacts {
  /** e.g. 180004 (PostgreSQL 18.4), 101119 (MariaDB 10.11.19). */
  readonly versionNum: number;
  /** The server's own version text, for messages. */
  readonly version: string;
  /** PostgreSQL: the database tenants live in. MySQL: the admin URL's database, or ''. */
  readonly database: string;
  /** The admin as the server names it: a role, or `'user'@'host'`. */
  readonly adminRole: string;
  readonly isSuperuser: boolean;
  /** What the admin lacks to create tenants, each with how to grant it; empty when it can. */
  readonly missingToCreate: readonly string[];
  /** Extensions installed in the admin's database (PostgreSQL); a variant of the dialect may be picked by one (`dialectForServer`). */
  readonly extensions: readonly string[];
}

/** What an error is about, so the mapped error names the object and the fix. */
export interface ErrorContext {
  action: string;
  database?: string | undefined;
  schemaName?: string;
  username?: string;
  /** The credential login the action is about (`revokeCredentials`). */
  credential?: string | undefined;
  adminRole?: string | undefined;
  /** The admin's lock timeout, for the message of a lock timeout. */
  lockTimeoutMillis?: number | undefined;
}

/** Where and as whom to connect. */
export interface AdminConnectionParts {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** WARNING: a secret. */
  readonly password: string;
  readonly database?: string | undefined;
}

/** One tenant as a dialect's catalog records it. */
export interface TenantRecord {
  readonly schemaName: string;
  readonly username: string;
  readonly createdAt: Date;
  readonly labels: Readonly<Record<string, string>>;
  /** The login and the schema are there and belong together. */
  readonly intact: boolean;
  /** Where Tenantry's migrations last left it (the role's marker); undefined when never recorded. */
  readonly migrations?: MigrationLedger | undefined;
  /** The login's settings, where the dialect keeps any (PostgreSQL's role attributes). */
  readonly login?: TenantLoginDetails | undefined;
  /** Set while the tenant is suspended (its marker says who suspended it and when). */
  readonly suspended?: SuspensionMark | undefined;
  /** Set while a removal that began has not finished: the tenant is not whole (`intact` false) and `removeTenant` resumes it. */
  readonly removing?: { readonly since: Date; readonly by: string } | undefined;
}

/** A tenant login's attributes (PostgreSQL). */
export interface TenantLoginDetails {
  /** -1 for no limit. */
  readonly connectionLimit: number;
  readonly validUntil: Date | null;
  readonly settings: Readonly<Record<string, string>>;
  readonly memberOf: readonly string[];
  readonly members: readonly string[];
}

/** One page of tenants, keyset on the schema name. */
export interface TenantRecordPage {
  readonly tenants: readonly TenantRecord[];
  /** The schema name to continue after; undefined on the last page. */
  readonly nextCursor: string | undefined;
}

/** One promise of a tenant's isolation, checked against the catalog. */
export interface VerificationCheck {
  /** Stable identifier, e.g. `role.not-superuser`, `schema.no-public-access`. */
  id: string;
  /** The promise checked, in words. */
  description: string;
  ok: boolean;
  /** What was found where the promise does not hold. */
  detail?: string;
}

/** A tenant's isolation report. */
export interface TenantVerification {
  readonly schemaName: string;
  readonly username: string;
  readonly checks: readonly VerificationCheck[];
  /** Set while the tenant is suspended: not a broken promise, a state. */
  readonly suspended?: SuspensionMark | undefined;
}

/** What the connection budget is made of, as one server says. */
export interface ServerConnectionFacts {
  /** `max_connections`. */
  readonly maxConnections: number;
  /** Slots ordinary logins cannot take (PostgreSQL: `superuser_reserved_connections`, plus `reserved_connections` from 16 on). */
  readonly reservedConnections: number;
  /** Each tenant's connection limit; -1 for none. */
  readonly tenantConnectionLimits: readonly number[];
}

/** What `prepare` would run now, and what it found. */
export interface PreparePlan {
  readonly plan: ExecutablePlan;
  /** PostgreSQL with `poolerAuth`: the `auth_query` line for PgBouncer's ini. */
  readonly poolerAuthQuery?: string | undefined;
  /** Privileges PUBLIC held and loses (PostgreSQL's schema `public`); empty elsewhere. */
  readonly revokedFromPublic: readonly string[];
  /** Roles that keep USAGE on schema `public` by a grant of their own now (PostgreSQL). */
  readonly grantedUsageTo: readonly string[];
}

/** Options of `prepare` that a dialect may read. */
export interface PrepareSpec {
  /** PostgreSQL: roles (the admin included) that keep USAGE on schema `public`. */
  readonly keepPublicFor: readonly string[];
  /**
   * PostgreSQL: install the login lookup a pooler's `auth_query` calls (see
   * `postgres-pooler-auth.ts`), in `schema` (default `tenantry_pooler`),
   * callable by `role` only. Needs a superuser admin; refused elsewhere.
   */
  readonly poolerAuth?: { readonly role: string; readonly schema?: string | undefined } | undefined;
}

/** A tenant to create: validated names and options, and the secret the server stores for its password. */
export interface CreateTenantPlanSpec {
  readonly tenant: TenantSpec;
  /** What the server stores for the password (`passwordSecret`): never the plaintext. */
  readonly passwordSecret: string;
  /** Stop when `prepare` never ran. */
  readonly requirePreparedDatabase: boolean;
  /** Recorded as the tenant's creation time; now when absent. */
  readonly createdAt?: Date | undefined;
}

/** A tenant to remove. */
export interface RemoveTenantPlanSpec extends TenantNames {
  /** The caller drops what the login has elsewhere first (`OtherDatabases`), so the plan does not stop on it. */
  readonly dropOwnedInOtherDatabases: boolean;
  /**
   * Where the dialect has `stagedRemoval`: the plan checks, under its locks,
   * that the schema fits one transaction and is not being removed already,
   * and stops with an error `stagedRemoval.needsStages` recognises otherwise.
   */
  readonly stageWhenLarge?: boolean | undefined;
}

/** A tenant's new password. */
export interface RotatePasswordPlanSpec extends TenantNames {
  readonly passwordSecret: string;
  /** PostgreSQL: the new `VALID UNTIL`; null for never; undefined to keep it. */
  readonly validUntil?: Date | null | undefined;
  /** Also end the tenant's open sessions. */
  readonly terminateSessions: boolean;
}

/**
 * A database family's way of doing each tenant lifecycle step: statements,
 * catalog readers and plans, never I/O of its own. `facts` are the server's,
 * read once with `serverFactsQuery`; plans that differ by version read them.
 */
export interface TenantryDialect {
  /** `postgres`, `mysql`, ... */
  readonly name: string;
  readonly client: DialectClient;
  readonly rules: NameRules;
  /** The creation options (`TenantConfig` fields) this dialect has; others are refused, naming the dialect. */
  readonly creationOptions: ReadonlySet<CreationOptionName>;
  /** The query whose one row `readServerFacts` reads. */
  serverFactsQuery(): CompiledQuery<unknown>;
  readServerFacts(row: unknown): ServerFacts;
  /** What the server stores for a password (a SCRAM verifier, a mysql_native_password hash): the plaintext never reaches SQL. */
  passwordSecret(password: string, options: { scramIterations: number }): Promise<string>;
  /**
   * True when `passwordSecret` is `scramSha256Verifier` with `scramIterations`:
   * the admin may then compute the secrets of generated passwords ahead, on a worker thread.
   */
  readonly passwordSecretIsScram: boolean;
  /** Maps a driver error to a typed Tenantry error whose message names the fix and holds no secret. */
  mapError(error: unknown, context: ErrorContext): TenantryError;
  /** Where and as whom the admin connects, from its URL (the driver's input). WARNING: holds the password. */
  adminConnection(adminUrl: string): AdminConnectionParts;
  /** The connection string a tenant gets: the admin's server, the tenant's login and schema. */
  tenantConnectionString(adminUrl: string, tenant: { username: string; password: string; database: string }): string;
  /**
   * A `DatabaseError` whose message is `prefix` plus the error's: the server's
   * own errors kept whole, anything else (an error a migration throws) with
   * its connection URLs redacted and not kept as cause.
   */
  toDatabaseError(prefix: string, error: unknown): TenantryError;
  /** What `prepare` would run now (nothing when the server is prepared), read where it will run. */
  planPrepare(read: CatalogReader, facts: ServerFacts, spec: PrepareSpec): Promise<PreparePlan>;
  /** What `prepare` runs on a server never prepared, for previews without a connection. */
  planPrepareOffline(facts: ServerFacts, spec: PrepareSpec): PreparePlan;
  planCreateTenant(spec: CreateTenantPlanSpec, facts: ServerFacts): ExecutablePlan;
  /**
   * What only a committed tenant can take (Citus: the statements Citus does
   * not propagate, on every worker, once the schema exists there); absent
   * where there is none. `DatabaseAdmin` runs it after the creation commits
   * and removes the tenant again if it fails.
   */
  planAfterCreate?(spec: CreateTenantPlanSpec, facts: ServerFacts): ExecutablePlan;
  planRemoveTenant(spec: RemoveTenantPlanSpec, facts: ServerFacts): ExecutablePlan;
  planRotatePassword(spec: RotatePasswordPlanSpec, facts: ServerFacts): ExecutablePlan;
  /**
   * The server's connection slots and each tenant's connection limit, for
   * `connectionBudget`; absent where a dialect has no per-tenant limit
   * (refused, typed, there).
   */
  readConnectionFacts?(read: CatalogReader, facts: ServerFacts): Promise<ServerConnectionFacts>;
  /** One page of managed tenants (those Tenantry created), ordered by schema name. */
  readTenantPage(read: CatalogReader, page: { limit: number; after: string | undefined }, facts: ServerFacts): Promise<TenantRecordPage>;
  /** One managed tenant by its schema name, with its login's details where the dialect keeps any; undefined when there is none. */
  readTenant(read: CatalogReader, schemaName: string, facts: ServerFacts): Promise<TenantRecord | undefined>;
  /**
   * The isolation report of one managed tenant, read from the catalog.
   * @throws TenantNotFoundError, TenantNotManagedError
   */
  verifyTenant(read: CatalogReader, schemaName: string, facts: ServerFacts): Promise<TenantVerification>;
  /** Present where DDL is transactional: admin work runs in transactions (PostgreSQL). */
  readonly transactions?: TransactionalSessions | undefined;
  /** Present where a session can be handed to the tenant's login (PostgreSQL's SET ROLE). */
  readonly roleSwitching?: RoleSwitching | undefined;
  /** Present where a tenant's login can own or hold things in other databases of the server (PostgreSQL). */
  readonly otherDatabases?: OtherDatabases | undefined;
  /** Present where a tenant's schema lives on one node of several and can move (Citus). */
  readonly placement?: TenantPlacement | undefined;
  /** Present where extra, expiring logins can act as a tenant (PostgreSQL). */
  readonly credentials?: TenantCredentialPlans | undefined;
  /** Present where a tenant's logins can be switched off and on, its data kept (PostgreSQL). */
  readonly suspension?: TenantSuspension | undefined;
  /** Present where a removal too large for one transaction can run in batches, and be resumed (PostgreSQL). */
  readonly stagedRemoval?: StagedRemoval | undefined;
  /** Present where a tenant's schema and login can be renamed together (PostgreSQL). */
  readonly renaming?: TenantRenaming | undefined;
  /** Present where what Tenantry left behind after a crash can be found in the catalog, and repaired (PostgreSQL). */
  readonly leftovers?: LeftoverSweep | undefined;
}

/** One extra credential of a tenant, as the catalog records it. */
export interface CredentialRecord {
  /** The credential's login name. */
  readonly name: string;
  readonly schemaName: string;
  /** The tenant's login, which the credential acts as. */
  readonly username: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /** Past its expiry by the server's clock: it cannot log in, and a sweep drops it. */
  readonly expired: boolean;
}

/** A credential to issue. */
export interface IssueCredentialPlanSpec {
  readonly tenant: TenantNames;
  /** The new login's name (`newCredentialName`). */
  readonly credential: string;
  /** What the server stores for its password (`passwordSecret`): never the plaintext. */
  readonly passwordSecret: string;
  readonly validUntil: Date;
  readonly createdAt: Date;
}

/**
 * A dialect where a tenant can have extra logins that expire (as Vault's
 * database secrets engine issues them): each acts as the tenant, holds
 * nothing of its own, and can be revoked alone. The tenant's own login is
 * untouched.
 */
export interface TenantCredentialPlans {
  /** A fresh credential login name. */
  newCredentialName(): string;
  /** Checks a credential name a caller gives back. @throws ValidationError */
  validateCredentialName(value: unknown, field?: string): string;
  /** Issues one credential: statements only, the checks made by the server, so it goes in one round trip. */
  planIssue(spec: IssueCredentialPlanSpec, facts: ServerFacts): ExecutablePlan;
  /** The first half of a revocation, committed alone: the credential can no longer log in. */
  planDisable(tenant: TenantNames, credential: string, facts: ServerFacts): ExecutablePlan;
  /** Ends the credential's sessions and drops it (the second half of a revocation; a sweep's work). */
  planDrop(tenant: TenantNames, credential: string, facts: ServerFacts): ExecutablePlan;
  /** The credentials of one tenant, oldest first. */
  readCredentials(read: CatalogReader, tenant: TenantNames, facts: ServerFacts): Promise<CredentialRecord[]>;
  /** The expired credentials of every tenant of the admin's database. */
  readExpiredCredentials(read: CatalogReader, facts: ServerFacts): Promise<CredentialRecord[]>;
}

/** A dialect where a tenant's logins (its own and its credentials) can be switched off and on again. */
export interface TenantSuspension {
  /** No login for the tenant or its credentials, the suspension recorded in its marker; data and rights kept. */
  planSuspend(tenant: TenantNames, mark: SuspensionMark, facts: ServerFacts): ExecutablePlan;
  /** Logins again (credentials: those not expired); the mark removed. */
  planResume(tenant: TenantNames, facts: ServerFacts): ExecutablePlan;
  /** Ends the open sessions of the tenant and its credentials, run once a suspension has committed. */
  planEndSessions(tenant: TenantNames, facts: ServerFacts): ExecutablePlan;
}

/**
 * A dialect where removing a tenant with very many objects can outgrow one
 * transaction (PostgreSQL: each dropped object takes a lock, and the lock
 * table is shared and sized by `max_locks_per_transaction`). The removal is
 * then marked first, in a transaction of its own; the schema's objects are
 * dropped in batches, each its own transaction; the usual remove plan ends
 * it. A tenant marked as being removed is listed as such, and
 * `removeTenant` resumes it.
 */
export interface StagedRemoval {
  /**
   * Whether a (mapped) error of the remove plan says to remove the tenant in
   * stages: its check found the schema too large for one transaction, or
   * already marked as being removed (the plan asked with `stageWhenLarge`),
   * or the transaction ran out of locks after all (it rolled back whole).
   */
  needsStages(error: TenantryError): boolean;
  /**
   * Marks the tenant as being removed (its marker's other fields kept: the
   * marker is read with `read`, and the plan stops if it changed before its
   * locks were taken), shuts its login and ends its sessions, after the remove
   * plan's own checks (a tenant already being removed passes them).
   */
  planBeginRemoval(read: CatalogReader, spec: RemoveTenantPlanSpec & { mark: { since: Date; by: string } }, facts: ServerFacts): Promise<ExecutablePlan>;
  /**
   * The next batch of the schema's objects to drop, at most the lock budget's
   * worth, read with `read`; the plan takes the tenant's locks and drops them
   * only while the tenant is marked as being removed. Undefined when nothing is
   * left to drop in batches (what is left goes with the remove plan).
   */
  planDropBatch(read: CatalogReader, tenant: TenantNames, facts: ServerFacts): Promise<ExecutablePlan | undefined>;
  /**
   * A removal in stages for a dry run: the mark, what runs in other databases
   * (on request), the first batch (standing for all of them), then the last
   * stage, each statement's purpose saying which stage it belongs to.
   */
  previewStages(stages: { begin: ExecutablePlan; elsewhere: readonly Statement[]; firstBatch: ExecutablePlan | undefined; last: ExecutablePlan }): Plan;
}

/** A rename: the tenant's names now, and the names it gets (one of them may stay). */
export interface RenameTenantPlanSpec {
  readonly from: TenantNames;
  readonly to: TenantNames;
}

/** A dialect that can rename a tenant's schema and login together, markers and settings included. */
export interface TenantRenaming {
  /**
   * The rename, in one transaction under the locks of the old and new names:
   * the markers are read with `read` (to keep their other fields) and the plan
   * stops if they changed before its locks were taken.
   */
  planRename(read: CatalogReader, spec: RenameTenantPlanSpec, facts: ServerFacts): Promise<ExecutablePlan>;
}

/**
 * What a sweep can find. Each kind is one thing a crash (or a change behind
 * Tenantry's back) can leave: a migrator login not dropped, a schema marker
 * whose role is gone, a role marker whose schema is gone, a removal that
 * did not finish. New kinds are added here and in each dialect's sweep.
 */
export type LeftoverKind =
  | 'migrator-role'
  | 'schema-without-role'
  | 'role-without-schema'
  | 'tenant-removing'
  | 'expired-credential'
  | 'credential-without-tenant';

/** One leftover a sweep found. */
export interface LeftoverFinding {
  readonly kind: LeftoverKind;
  readonly objectKind: 'role' | 'schema';
  readonly objectName: string;
  /** Why it is a leftover, in words. */
  readonly why: string;
  /** What a repair does, in words; undefined when it is not safe to repair automatically (then `why` says what to decide). */
  readonly repair: string | undefined;
  /** The tenant names it belongs to, as its marker gives them (a removal to resume); not validated. */
  readonly tenant?: { readonly schemaName: string; readonly username: string } | undefined;
}

/** A dialect that can find, in the catalog, what Tenantry left behind, and repair it. */
export interface LeftoverSweep {
  /** The kinds it looks for, in the order it reports them. */
  readonly kinds: readonly LeftoverKind[];
  /** What the scope of a sweep is, in words (PostgreSQL: roles cluster-wide, schemas in the admin's database). */
  readonly scope: string;
  /** Every leftover found now, read with `read` (a few catalog queries). */
  findLeftovers(read: CatalogReader, facts: ServerFacts): Promise<LeftoverFinding[]>;
  /**
   * The plan that repairs one finding, checking under locks that it still is
   * one; undefined for a `tenant-removing` finding (the caller resumes the
   * removal) or one with no `repair`.
   */
  planRepair(finding: LeftoverFinding, facts: ServerFacts): ExecutablePlan | undefined;
}

/** Where a tenant's schema lives. */
export interface TenantPlacementInfo {
  /** Its tables are distributed together (a Citus distributed schema). */
  readonly distributed: boolean;
  /** The node that holds its tables, `host:port`; undefined while it has none. */
  readonly node: string | undefined;
}

/** A dialect whose tenants live on one node of several, and move between them. */
export interface TenantPlacement {
  /** Where one tenant's schema lives; read by `readPlacement`. */
  placementQuery(schemaName: string): CompiledQuery<unknown>;
  readPlacement(rows: readonly unknown[]): TenantPlacementInfo;
  /** Moves the tenant's schema, every table in it, to the node `host:port`, under the tenant's locks, after the checks. */
  planMove(tenant: TenantNames, to: { host: string; port: number }, facts: ServerFacts): ExecutablePlan;
}

/**
 * A dialect whose DDL is transactional: plans run in one transaction, opened
 * by the driver with these settings.
 */
export interface TransactionalSessions {
  /**
   * What every admin transaction sets first (its own, till it ends): names
   * resolve in the system catalog only, literals are standard, lock waits end.
   */
  transactionSettings(options: { lockTimeoutMillis: number }): Statement[];
  /** Opens a transaction: `BEGIN`, read-only for dry runs. */
  begin(options: { readOnly: boolean }): Statement;
  commit(): Statement;
  rollback(): Statement;
  /**
   * Whether a role created in a transaction can be used before it commits
   * (switched to, and seen by the cluster's other nodes). False on Citus,
   * whose workers see a new role only once it commits: migrations at creation
   * then run after the creation commits, and undo it when they fail.
   */
  readonly newRoleUsableBeforeCommit: boolean;
}

/**
 * A dialect that can hand a session to a tenant's login, so that code the
 * tenant made (a trigger, a view over its function) never runs as the admin:
 * the admin creates a short-lived delegate login that can only switch to the
 * tenant and holds no rights of its own, and drops it afterwards.
 */
export interface RoleSwitching {
  /** A fresh delegate login name. */
  newDelegateName(): string;
  /** Takes the tenant's locks until the transaction ends (the same as create and remove take). */
  lockTenant(tenant: TenantNames): Statement;
  /** Stops unless the tenant is whole and Tenantry's. */
  wholeTenantCheck(tenant: TenantNames, facts: ServerFacts): CheckStep;
  createDelegate(spec: { delegate: string; tenantRole: string; passwordSecret: string; validUntil: Date }, facts: ServerFacts): Statement[];
  dropDelegate(delegate: string, facts: ServerFacts): Statement[];
  /** What a delegate that could not be dropped can still do, and how to drop it by hand. */
  leftoverDelegateAdvice(delegate: string, tenantRole: string, validUntil: Date): string;
  /** What a delegate's session sets at the start of its transaction: as the admin's, with the lock timeout given. */
  delegateSettings(options: { lockTimeoutMillis: number }): Statement[];
  /** Whether the current login can switch to `tenantRole` already, and whether it holds a grant of its own there. */
  switchStateQuery(tenantRole: string, facts: ServerFacts): CompiledQuery<RoleSwitchState>;
  /** Lets `member` switch to `tenantRole` (never committed: revoked in the same transaction). */
  grantSwitch(tenantRole: string, member: string, state: RoleSwitchState, facts: ServerFacts): Statement;
  revokeSwitch(tenantRole: string, member: string, state: RoleSwitchState, facts: ServerFacts): Statement;
  /** Act as the tenant: what is created belongs to it, names resolve in its schema. */
  enterTenant(tenant: TenantNames): Statement[];
  /** Act as the session's own login again. */
  leaveTenant(): Statement[];
  /** The login the session acts as now. */
  currentRoleQuery(): CompiledQuery<{ role: string }>;
  /** Records, where the tenant cannot change it, that its migrations stand at `ledger` (run by the admin). */
  recordMigrations(tenant: TenantNames, ledger: MigrationLedger, facts: ServerFacts): Statement[];
}

/** What `RoleSwitching.switchStateQuery` reads. */
export interface RoleSwitchState {
  can_set_role: boolean;
  has_own_grant: boolean;
}

/**
 * A dialect where a tenant's login can own or hold things in other databases
 * of the server, which its removal must find, describe and (on request) drop.
 * The admin connects to each such database and runs these there; never a
 * tenant's object.
 */
export interface OtherDatabases {
  /** What the login has in other databases, from the shared catalog; read by `databasesOf` and `countedBlockers`. */
  dependenciesQuery(username: string): CompiledQuery<unknown>;
  databasesOf(rows: readonly unknown[]): string[];
  /** One blocker per database, by counts (all the shared catalog tells). */
  countedBlockers(rows: readonly unknown[]): RemovalBlocker[];
  /** Run in one other database: its objects in words, at most `limit`; read by `readDescriptions`. */
  describeQuery(username: string, limit: number): CompiledQuery<unknown>;
  readDescriptions(rows: readonly unknown[]): { objects: string[]; total: number } | undefined;
  /** Run in one other database: drops what the login owns and holds there. */
  dropOwnedStatements(username: string, database: string, facts: ServerFacts): Statement[];
  /** The database a connection reached. */
  currentDatabaseQuery(): CompiledQuery<{ database: string }>;
  /** The remove plan for a dry run, with what would run in each other database shown where it runs in order. */
  previewRemoval(plan: ExecutablePlan, username: string, databases: readonly string[], facts: ServerFacts): Plan;
}

/** A plan builder's output, for the executor. */
export type { ExecutablePlan };

import { TenantryError, ValidationError, type TenantryErrorCode } from '@tenantry/core';

/**
 * A level of `DatabaseAdminOptions.log`, as in Kysely's `log` option: `info`
 * for lifecycle changes that succeeded, `error` for those that failed.
 */
export type AdminLogLevel = 'info' | 'error';

/** What changed a tenant's life. */
export type TenantEventType =
  | 'tenant.created'
  | 'tenant.removed'
  | 'tenant.password-rotated'
  | 'tenant.migrated'
  | 'tenant.suspended'
  | 'tenant.resumed'
  | 'tenant.credentials-issued'
  | 'tenant.credentials-revoked'
  | 'tenant.renamed';

/**
 * One change (or failed attempt to change) a tenant's life, for an audit
 * trail: which tenant, by which admin role, when, and how it ended. It holds
 * no secret: no password, no verifier, no connection string, and of a
 * failure only its code (`TenantryErrorCode`) and SQLSTATE, never its message.
 */
export interface TenantEvent {
  /** `info` when `outcome` is `succeeded`, `error` when `failed`. */
  readonly level: AdminLogLevel;
  readonly type: TenantEventType;
  readonly outcome: 'succeeded' | 'failed';
  /** The tenant's schema (database, on the MySQL family) and login, as given to the call. */
  readonly schemaName: string;
  readonly username: string;
  /** The role the admin connects as; undefined when the call failed before it could learn it (e.g. the server was unreachable). */
  readonly adminRole: string | undefined;
  /** The database the tenant lives in; undefined as `adminRole`. */
  readonly database: string | undefined;
  /** When the outcome was known. */
  readonly at: Date;
  /** For `tenant.created` and `tenant.migrated`: the migrations applied, in order. */
  readonly migrationsApplied?: readonly string[];
  /** On failure: the error's stable code (`DATABASE` for an error that is not Tenantry's). */
  readonly errorCode?: TenantryErrorCode;
  /** On failure, when the server raised it: the SQLSTATE. */
  readonly sqlState?: string;
}

/**
 * `DatabaseAdminOptions.log`: the levels to print to the console
 * (`console.log` for `info`, `console.error` for `error`, one JSON line each),
 * or a function that gets every event, of both levels.
 */
export type AdminLogOption = readonly AdminLogLevel[] | ((event: TenantEvent) => void | Promise<void>);

/** Who and where the admin is, once known. */
export interface AdminIdentity {
  adminRole: string | undefined;
  database: string | undefined;
}

/**
 * Sends tenant events to the `log` option. A listener that throws (or
 * rejects) never changes the call's outcome: a created tenant's credentials
 * must reach the caller all the same. Its error becomes a process warning.
 * Internal to `@tenantry/admin`.
 */
export class TenantLifecycleLog {
  readonly #listener: ((event: TenantEvent) => void | Promise<void>) | undefined;

  constructor(option: AdminLogOption | undefined) {
    this.#listener = listenerOf(option);
  }

  /** Whether any event goes anywhere. */
  get enabled(): boolean {
    return this.#listener !== undefined;
  }

  /** Runs `work`, then sends its event: succeeded (with `details` of its result) or failed (with the error's code); rethrows. */
  async track<T>(
    type: TenantEventType,
    tenant: { schemaName: unknown; username: unknown },
    identity: () => AdminIdentity,
    work: () => Promise<T>,
    details: (result: T) => Pick<TenantEvent, 'migrationsApplied'> = () => ({}),
  ): Promise<T> {
    if (!this.#listener) return work();
    let result: T;
    try {
      result = await work();
    } catch (error) {
      this.emit({ type, outcome: 'failed', tenant, identity: identity(), error });
      throw error;
    }
    this.emit({ type, outcome: 'succeeded', tenant, identity: identity(), details: details(result) });
    return result;
  }

  /** Sends one event. */
  emit(what: {
    type: TenantEventType;
    outcome: 'succeeded' | 'failed';
    tenant: { schemaName: unknown; username: unknown };
    identity: AdminIdentity;
    details?: Pick<TenantEvent, 'migrationsApplied'>;
    error?: unknown;
  }): void {
    const listener = this.#listener;
    if (!listener) return;
    const failure = what.outcome === 'failed' ? failureOf(what.error) : {};
    const event: TenantEvent = Object.freeze({
      level: what.outcome === 'failed' ? 'error' : 'info',
      type: what.type,
      outcome: what.outcome,
      schemaName: nameOf(what.tenant.schemaName),
      username: nameOf(what.tenant.username),
      adminRole: what.identity.adminRole,
      database: what.identity.database,
      at: new Date(),
      ...(what.details?.migrationsApplied ? { migrationsApplied: Object.freeze([...what.details.migrationsApplied]) } : {}),
      ...failure,
    });
    try {
      const returned = listener(event);
      if (returned && typeof (returned as Promise<void>).then === 'function') (returned as Promise<void>).then(undefined, warnListenerFailed);
    } catch (error) {
      warnListenerFailed(error);
    }
  }
}

function listenerOf(option: AdminLogOption | undefined): ((event: TenantEvent) => void | Promise<void>) | undefined {
  if (option === undefined) return undefined;
  if (typeof option === 'function') return option;
  const levels = Array.isArray(option) ? new Set<unknown>(option) : undefined;
  if (!levels || [...levels].some((level) => level !== 'info' && level !== 'error')) {
    throw new ValidationError({
      field: 'log',
      rule: 'type',
      message: "log must be an array of levels ('info', 'error') or a function that receives each tenant event.",
    });
  }
  if (levels.size === 0) return undefined;
  return (event) => {
    if (!levels.has(event.level)) return;
    const line = `[tenantry] ${JSON.stringify(event)}`;
    if (event.level === 'error') console.error(line);
    else console.log(line);
  };
}

/** Only the code and SQLSTATE: a message, a cause or a driver's error could carry what must not be logged. */
function failureOf(error: unknown): Pick<TenantEvent, 'errorCode' | 'sqlState'> {
  if (!TenantryError.isInstance(error)) return { errorCode: 'DATABASE' };
  return { errorCode: error.code, ...(error.sqlState === undefined ? {} : { sqlState: error.sqlState }) };
}

/** A name as given; '' for anything that is not a string (the call then failed validation). */
function nameOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function warnListenerFailed(error: unknown): void {
  const name = error instanceof Error ? error.name : typeof error;
  process.emitWarning(`Tenantry's log listener threw (${name}); the tenant operation's outcome is unchanged.`, { code: 'TENANTRY_LOG_LISTENER' });
}

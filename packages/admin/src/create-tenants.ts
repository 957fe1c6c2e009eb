import { DatabaseError, redactConnectionString, TenantryError, ValidationError, type TenantConfig, type TenantCredentials } from '@tenantry/core';
import type { ErrorContext } from '@tenantry/sql';
import { mapConcurrent } from './bounded-concurrency.js';
import { BulkAbortedError } from './bulk-aborted-error.js';
import { underCallerSignal, validateSignal } from './caller-signal.js';
import type { BulkProgress, CreateTenantsOptions, TenantCreationResult } from './database-admin-options.js';

/** Creates one tenant: `DatabaseAdmin.createTenant` bound to its options. */
export type CreateOne = (config: TenantConfig) => Promise<TenantCredentials>;

/** `CreateTenantsOptions.concurrency` when not given. */
export const DEFAULT_BULK_CONCURRENCY = 4;
/** Largest `CreateTenantsOptions.concurrency` accepted. */
export const MAX_BULK_CONCURRENCY = 64;

/**
 * Creates every tenant of `configs`, `concurrency` at a time, each with one
 * `createOne` call (its own transaction), and returns one result per config in
 * input order (`result.index` is the position in the input).
 *
 * The input may be an array or any (async) iterable, read lazily; for an array
 * `BulkProgress.total` is its length, for anything else undefined. One
 * tenant's failure is reported in its result and does not stop the others;
 * see `createTenantsStream` for the details, which apply here too.
 *
 * ```ts
 * const results = await admin.createTenants(configs, { concurrency: 8, skipExisting: true });
 * for (const r of results) if (r.status === 'failed') console.error(r.index, r.schemaName, r.error.message);
 * ```
 *
 * @throws ValidationError (as a rejection, before any I/O) for a bad `concurrency`, `onProgress` or input.
 */
export async function createTenants(
  createOne: CreateOne,
  host: BulkCreationHost,
  configs: Iterable<TenantConfig> | AsyncIterable<TenantConfig>,
  options: CreateTenantsOptions,
): Promise<TenantCreationResult[]> {
  const results: TenantCreationResult[] = [];
  try {
    for await (const result of streamOf('createTenants', createOne, host, configs, options)) results[result.index] = result;
  } catch (error) {
    // The results so far hold the only copy of each generated password: hand them over.
    if (error instanceof BulkAbortedError) throw new BulkAbortedError({ call: 'createTenants', results: results.filter(Boolean), finished: results.filter(Boolean).length, cause: error.cause });
    throw error;
  }
  return results;
}

/**
 * `createTenants` as a stream: yields each tenant's result as it completes
 * (completion order; `result.index` is the position in the input).
 *
 * - Nothing starts until the stream is iterated, and it can be iterated once.
 * - At most `concurrency` tenants are in flight or finished and waiting to be
 *   taken: a slow consumer stops the reading of the input (backpressure).
 *   `concurrency` is also capped at the pool's size (`max`), since more
 *   would only wait for a connection, and that wait counts against
 *   `connectionTimeoutMillis`.
 * - Every error in a result is a `TenantryError`. A config that fails
 *   validation is `failed` with its `ValidationError`. An existing schema or
 *   role is `failed` with `TenantAlreadyExistsError`, or, with `skipExisting`,
 *   `skipped` when the schema and the role both exist and form one tenant
 *   Tenantry created in this database (checked by their markers).
 * - `onProgress` runs after each tenant, with running totals. If it throws,
 *   the run stops: no further tenant is started, those in flight finish (the
 *   stream still yields them), then the stream throws that error, as
 *   `createTenants` rejects with it. `createTenants` cannot hand over the
 *   results of the tenants created until then; a rerun with `skipExisting`
 *   resumes (their passwords can be reset with `rotatePassword`). The same
 *   holds for an input iterable that throws.
 * - Leaving the loop early waits for the tenants in flight (they are created;
 *   their results are dropped) and reads no further input.
 * - Aborting `signal` starts no further tenant; those in flight finish and are
 *   yielded; then the stream throws `BulkAbortedError` (`createTenants`
 *   rejects with one whose `results` hold every tenant that finished).
 *
 * ```ts
 * for await (const result of admin.createTenantsStream(readConfigs('tenants.csv'), { concurrency: 8 })) {
 *   if (result.status === 'created') await vault.store(result.credentials);
 * }
 * ```
 *
 * @throws ValidationError, at the call, for a bad `concurrency`, `onProgress`, `signal` or input.
 */
export function createTenantsStream(
  createOne: CreateOne,
  host: BulkCreationHost,
  configs: Iterable<TenantConfig> | AsyncIterable<TenantConfig>,
  options: CreateTenantsOptions,
): AsyncIterable<TenantCreationResult> {
  return streamOf('createTenantsStream', createOne, host, configs, options);
}

function streamOf(
  call: 'createTenants' | 'createTenantsStream',
  createOne: CreateOne,
  host: BulkCreationHost,
  configs: Iterable<TenantConfig> | AsyncIterable<TenantConfig>,
  options: CreateTenantsOptions,
): AsyncIterable<TenantCreationResult> {
  const concurrency = validateConcurrency(options.concurrency);
  const { onProgress, skipExisting = false } = options;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new ValidationError({ field: 'onProgress', rule: 'type', message: 'onProgress must be a function.' });
  }
  if (!isIterable(configs)) {
    throw new ValidationError({ field: 'configs', rule: 'type', message: 'createTenants expects an array or an (async) iterable of tenant configs.' });
  }
  const signal = validateSignal(options.signal);
  const poolSize = host.maxConnections;
  const total = Array.isArray(configs) ? configs.length : undefined;
  const progress: BulkProgress = { done: 0, total, succeeded: 0, skipped: 0, failed: 0 };
  const run = (stop: AbortController): AsyncIterable<TenantCreationResult> => {
    // `stop` is aborted by the caller's signal, or here when onProgress throws.
    const createAndReport = async (config: TenantConfig, index: number): Promise<TenantCreationResult> => {
      const result = await createOneResult(createOne, host, config, index, skipExisting);
      progress.done += 1;
      progress[result.status === 'created' ? 'succeeded' : result.status] += 1;
      if (onProgress && !stop.signal.aborted) {
        try {
          onProgress({ ...progress });
        } catch (error) {
          stop.abort(error);
        }
      }
      return result;
    };
    return mapConcurrent(configs, createAndReport, {
      concurrency: poolSize !== undefined && Number.isInteger(poolSize) && poolSize > 0 ? Math.min(concurrency, poolSize) : concurrency,
      signal: stop.signal,
    });
  };
  return underCallerSignal(call, signal, run);
}

function validateConcurrency(value: unknown): number {
  const concurrency = value ?? DEFAULT_BULK_CONCURRENCY;
  if (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_BULK_CONCURRENCY) {
    throw new ValidationError({
      field: 'concurrency',
      rule: 'out-of-range',
      message: `concurrency must be a whole number from 1 to ${MAX_BULK_CONCURRENCY}, got ${typeof concurrency === 'number' ? concurrency : typeof concurrency}.`,
    });
  }
  return concurrency;
}

function isIterable(value: unknown): value is Iterable<unknown> | AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    (typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function' ||
      typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function')
  );
}

async function createOneResult(
  createOne: CreateOne,
  host: BulkCreationHost,
  config: TenantConfig,
  index: number,
  skipExisting: boolean,
): Promise<TenantCreationResult> {
  const tenant = { schemaName: nameIn(config, 'schemaName'), username: nameIn(config, 'username') };
  try {
    return { index, ...tenant, status: 'created', credentials: await createOne(config) };
  } catch (caught) {
    const error = toTenantryError(host, caught, tenant, config);
    if (skipExisting && error.code === 'TENANT_ALREADY_EXISTS' && (await host.isWholeManagedTenant(tenant))) {
      return { index, ...tenant, status: 'skipped' };
    }
    return { index, ...tenant, status: 'failed', error };
  }
}

/** The name as given, for the result; '' when the config has none (it then fails validation). */
function nameIn(config: unknown, field: 'schemaName' | 'username'): string {
  const value: unknown = typeof config === 'object' && config !== null ? (config as Record<string, unknown>)[field] : undefined;
  return typeof value === 'string' ? value : '';
}

/** What bulk creation needs from the admin it runs on, whatever the dialect. */
export interface BulkCreationHost {
  /** The most connections the admin may open at once; concurrency is capped there. Undefined: no cap. */
  readonly maxConnections: number | undefined;
  /**
   * Whether the names are one whole tenant Tenantry created (for
   * `skipExisting`). False, too, when that cannot be read: the tenant is then
   * reported with its original error.
   */
  isWholeManagedTenant(tenant: { schemaName: string; username: string }): Promise<boolean>;
  /** A driver's error in the dialect's words, for what `createOne` throws unmapped. */
  mapError(error: unknown, context: ErrorContext): TenantryError;
}

/**
 * Every error in a result is a `TenantryError`. An error from the server or
 * the network is mapped by the dialect as everywhere else; anything else (a
 * bug, or a caller's `createOne`) becomes a `DatabaseError` that keeps its
 * message with secrets redacted but not the raw error itself, which could
 * carry a password.
 */
function toTenantryError(host: BulkCreationHost, error: unknown, tenant: { schemaName: string; username: string }, config: TenantConfig): TenantryError {
  if (TenantryError.isInstance(error)) return error;
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string') {
    return host.mapError(error, { action: `create tenant "${tenant.schemaName}"`, ...tenant });
  }
  const name = error instanceof Error ? error.name : typeof error;
  const detail = error instanceof Error ? redactSecrets(error.message, config) : '';
  return new DatabaseError({ message: `Could not create tenant "${tenant.schemaName}": unexpected ${name}${detail ? `: ${detail}` : ''}` });
}

function redactSecrets(message: string, config: TenantConfig): string {
  let text = message.replace(/(?:postgres(?:ql)?|mysql|mariadb):\/\/\S*/gi, (url) => redactConnectionString(url));
  const password = typeof config === 'object' && config !== null ? config.password : undefined;
  if (typeof password === 'string' && password !== '') {
    text = text.split(password).join('***');
    text = text.split(encodeURIComponent(password)).join('***');
  }
  return text;
}

import type { CompiledQuery, Migration, MigrationProvider } from 'kysely';
import type { TenantNames } from '@tenantry/sql';
import type { QueryObserver } from './executor/driver-connection.js';

/** What a list of migrations executed in a fresh tenant's schema, migration by migration, ready to replay. */
export interface MigrationRecording {
  /** The migrations recorded: replayed only for these same objects (see `MigrationReplays`). */
  readonly migrations: Readonly<Record<string, Migration>>;
  /** Per migration name: what its `up` ran, in order. */
  readonly queries: ReadonlyMap<string, readonly CompiledQuery[]>;
}

/**
 * Records what each migration's `up` runs while the migrations create a new
 * tenant's tables the ordinary way, so that later tenants can get the same by
 * replaying it (`MigrationReplays`).
 *
 * Kysely's own bookkeeping (its history tables, their rows) is not recorded:
 * a replay runs inside Kysely's `Migrator` too, which writes it afresh.
 *
 * A recording is kept only when replaying it is the same as running the
 * migrations: each `up` succeeded without a query failing or a nested
 * transaction rolling back (a replay would not know what was undone), and no
 * query names this tenant's schema or role (the migrations would differ per
 * tenant; a name is looked for as a word, so a tenant called `users` whose
 * migrations create a table `users` is not recorded: the next tenant is).
 */
export class MigrationRecorder implements QueryObserver {
  readonly #migrations: Readonly<Record<string, Migration>>;
  readonly #tenant: TenantNames;
  readonly #queries = new Map<string, CompiledQuery[]>();
  #current: string | undefined;
  #unreplayable = false;

  constructor(migrations: Readonly<Record<string, Migration>>, tenant: TenantNames) {
    this.#migrations = migrations;
    this.#tenant = tenant;
  }

  /** The migrations to run, each `up` marking where its queries begin and end. */
  get provider(): MigrationProvider {
    const wrapped = Object.fromEntries(
      Object.entries(this.#migrations).map(([name, migration]) => [
        name,
        {
          ...migration,
          up: async (db: Parameters<Migration['up']>[0]) => {
            this.#current = name;
            this.#queries.set(name, []);
            try {
              await migration.up(db);
            } finally {
              this.#current = undefined;
            }
          },
        },
      ]),
    );
    return { getMigrations: async () => wrapped };
  }

  onQuery(query: CompiledQuery, outcome: 'succeeded' | 'failed'): void {
    if (this.#current === undefined) return; // Kysely's bookkeeping
    if (outcome === 'failed') this.#unreplayable = true;
    else this.#queries.get(this.#current)!.push(query);
  }

  onRollback(): void {
    if (this.#current !== undefined) this.#unreplayable = true;
  }

  /** The recording, once every migration ran; undefined when replaying it would not be the same. */
  recording(): MigrationRecording | undefined {
    const names = Object.keys(this.#migrations);
    if (this.#unreplayable || names.some((name) => !this.#queries.has(name))) return undefined;
    const all = [...this.#queries.values()].flat();
    if (all.some((query) => this.#namesTenant(query))) return undefined;
    return { migrations: this.#migrations, queries: new Map(names.map((name) => [name, [...this.#queries.get(name)!]])) };
  }

  #namesTenant(query: CompiledQuery): boolean {
    const texts = [query.sql, ...query.parameters.map((parameter) => JSON.stringify(parameter) ?? '')];
    return [this.#tenant.schemaName, this.#tenant.username].some((name) => {
      const word = new RegExp(`(?<![\\w$])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w$])`, 'i');
      return texts.some((text) => word.test(text));
    });
  }
}

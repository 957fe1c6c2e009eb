import type { Migration, MigrationProvider } from 'kysely';
import type { MigrationLedger, RoleSwitching, ServerFacts, Statement, TenantNames } from '@tenantry/sql';

/**
 * A provider's migrations, read once, so that every tenant of a run is
 * compared with, and migrated to, the same list; in Kysely's order (by name).
 */
export class MigrationList {
  /** The provider's migrations, the same objects it returned. */
  readonly migrations: Readonly<Record<string, Migration>>;
  readonly names: readonly string[];
  readonly provider: MigrationProvider;

  private constructor(migrations: Readonly<Record<string, Migration>>) {
    this.migrations = migrations;
    this.names = Object.keys(migrations).sort();
    this.provider = { getMigrations: async () => migrations };
  }

  static async read(provider: MigrationProvider): Promise<MigrationList> {
    return new MigrationList(await provider.getMigrations());
  }

  /** What a tenant with every migration applied records; undefined for an empty list. */
  get ledger(): MigrationLedger | undefined {
    const last = this.names.at(-1);
    return last === undefined ? undefined : { last, count: this.names.length };
  }

  /**
   * What records, where the tenant cannot change it, that `tenant` now has
   * every migration of the list (run by the admin); nothing for an empty list.
   */
  recordStatements(switching: RoleSwitching, tenant: TenantNames, facts: ServerFacts): Statement[] {
    const ledger = this.ledger;
    return ledger ? switching.recordMigrations(tenant, ledger, facts) : [];
  }

  /** Whether a tenant whose recorded state is `ledger` has every migration of the list already. */
  isCurrent(ledger: MigrationLedger | undefined): boolean {
    const current = this.ledger;
    if (current === undefined) return true;
    return ledger !== undefined && ledger.last === current.last && ledger.count === current.count;
  }
}

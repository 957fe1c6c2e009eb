import { TenantryError } from './tenantry-error.js';

/** What a tenant's role owns or holds in one database other than its own. */
export interface RemovalBlocker {
  /** The other database. */
  readonly database: string;
  /**
   * The objects in words (`large object 16386`, `default privileges on new
   * relations belonging to role acme`), the first few of them; or, when the
   * admin could not connect there to describe them, counts per catalog
   * (`2 in pg_largeobject (owned)`).
   */
  readonly objects: readonly string[];
  /** How many there are in all. */
  readonly count: number;
  /** False when `objects` are counts per catalog: the admin could not connect to the database to describe them. */
  readonly described: boolean;
}

// Controls and bidirectional overrides: an object name the tenant chose must not rewrite a terminal or a log line.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/gu;

function printable(text: string): string {
  return text.replace(UNPRINTABLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function describeBlocker(blocker: RemovalBlocker): string {
  const more = blocker.described ? blocker.count - blocker.objects.length : 0;
  const objects = blocker.objects.map(printable).join('; ') + (more > 0 ? `; and ${more} more` : '');
  const note = blocker.described ? '' : ' (not described: the admin could not connect there)';
  return `database "${printable(blocker.database)}": ${objects}${note}`;
}

/**
 * The tenant's role owns or holds privileges on objects in other databases of
 * the cluster (a tenant can connect to any database PUBLIC may connect to and
 * make a large object or a default-privileges entry there). DROP OWNED BY in
 * the tenant's database cannot reach them and DROP ROLE would fail on them, so
 * removal stops before changing anything. Removing with the option
 * `dropOwnedInOtherDatabases` drops them in each of those databases first.
 */
export class TenantRemovalBlockedError extends TenantryError {
  override readonly name = 'TenantRemovalBlockedError';
  readonly schemaName: string;
  readonly username: string;
  /** One entry per other database, in name order. */
  readonly blockers: readonly RemovalBlocker[];

  constructor(options: { schemaName: string; username: string; database: string; blockers: readonly RemovalBlocker[] }) {
    super('TENANT_REMOVAL_BLOCKED', {
      message:
        `Cannot remove tenant "${options.schemaName}": its role "${options.username}" owns or holds privileges on objects in other databases, ` +
        `which DROP OWNED BY in database "${printable(options.database)}" cannot reach and on which DROP ROLE would fail. ` +
        `${options.blockers.map(describeBlocker).join('. ')}. Nothing was changed. ` +
        'To drop them in each of those databases first, remove with the option dropOwnedInOtherDatabases: true ' +
        '(tenantry remove --drop-owned-in-other-databases), or drop them there yourself and retry.',
    });
    this.schemaName = options.schemaName;
    this.username = options.username;
    this.blockers = Object.freeze(options.blockers.map((blocker) => Object.freeze({ ...blocker, objects: Object.freeze([...blocker.objects]) })));
  }
}

/**
 * Tenantry marks what it creates with a comment, so that listing and removal
 * act only on its own tenants and never guess from names. The schema's comment
 * names its role; the role's comment (roles are cluster-wide) names its schema
 * and database. Comments vanish with their objects, so a marker never outlives
 * its tenant. Only the schema's owner (the admin) and roles with CREATEROLE
 * can change them: the tenant itself cannot.
 */
export const MARKER_PREFIX = 'tenantry:';
export const MARKER_VERSION = 1;

export interface SchemaMarker {
  v: number;
  role: string;
  createdAt: string;
  labels?: Record<string, string>;
  /** Roles the tenant was made a member of at creation: expected by `verifyTenant`. */
  memberOf?: string[];
  /** Set when a removal began and has not finished: the tenant is no longer whole, and `removeTenant` resumes it. */
  removing?: RemovalMark;
}

/** Who began removing a tenant, and when (ISO 8601). */
export interface RemovalMark {
  since: string;
  by: string;
}

export interface RoleMarker {
  v: number;
  schema: string;
  database: string;
  /**
   * Where Tenantry's migrations last left the tenant: the last migration
   * applied and how many are applied. Written by the admin after a successful
   * run; the tenant cannot change it (it cannot comment on its own role).
   */
  migrations?: MigrationLedger;
  /** Set while the tenant is suspended (`suspendTenant`): who suspended it and when. */
  suspended?: SuspensionMark;
}

/** Who suspended a tenant, and when (ISO 8601). */
export interface SuspensionMark {
  /** The admin role that suspended it. */
  by: string;
  since: string;
}

/**
 * The marker of a credential role (`issueCredentials`): the tenant it acts
 * as, where that tenant lives, and when it was issued. Its `VALID UNTIL` is
 * the catalog's own; the marker does not repeat it.
 */
export interface CredentialMarker {
  v: number;
  credentialFor: string;
  schema: string;
  database: string;
  createdAt: string;
}

/** The migrations a tenant stands at, as Tenantry last recorded them. */
export interface MigrationLedger {
  /** The name of the last migration applied. */
  last: string;
  /** How many migrations are applied. */
  count: number;
}

export function encodeMarker(marker: SchemaMarker | RoleMarker | CredentialMarker): string {
  return MARKER_PREFIX + JSON.stringify(marker);
}

/** Parses a comment; `undefined` when it is not a Tenantry marker. */
export function decodeSchemaMarker(comment: string | null | undefined): SchemaMarker | undefined {
  const value = decodeMarker(comment);
  if (typeof value?.role !== 'string' || typeof value.createdAt !== 'string') return undefined;
  const removing = value['removing'] as Partial<RemovalMark> | undefined;
  const validRemoving = typeof removing?.since === 'string' && typeof removing.by === 'string';
  const { removing: _removing, ...rest } = value;
  return { ...(rest as unknown as SchemaMarker), ...(validRemoving ? { removing: { since: removing.since!, by: removing.by! } } : {}) };
}

/**
 * A marker comment with `changes` applied and every other field kept, those
 * this version does not know included (a newer Tenantry's, or another
 * feature's): rewriting a marker must never lose what it does not understand.
 * A field set to `undefined` is removed. `undefined` when `comment` is not a
 * Tenantry marker.
 */
export function rewriteMarker(comment: string | null | undefined, changes: Readonly<Record<string, unknown>>): string | undefined {
  const value = decodeMarker(comment);
  if (!value) return undefined;
  const next: Record<string, unknown> = { ...value };
  for (const [field, changed] of Object.entries(changes)) {
    if (changed === undefined) delete next[field];
    else next[field] = changed;
  }
  return MARKER_PREFIX + JSON.stringify(next);
}

/** A tenant role's marker; `undefined` for anything else (a credential's marker included). Unknown fields are dropped. */
export function decodeRoleMarker(comment: string | null | undefined): RoleMarker | undefined {
  const value = decodeMarker(comment);
  if (typeof value?.schema !== 'string' || typeof value.database !== 'string' || 'credentialFor' in value) return undefined;
  const ledger = value['migrations'] as Partial<MigrationLedger> | undefined;
  const migrations = typeof ledger?.last === 'string' && typeof ledger.count === 'number' ? { last: ledger.last, count: ledger.count } : undefined;
  const mark = value['suspended'] as Partial<SuspensionMark> | undefined;
  const suspended = typeof mark?.by === 'string' && typeof mark.since === 'string' ? { by: mark.by, since: mark.since } : undefined;
  return { v: Number(value['v']), schema: value.schema, database: value.database, ...(migrations ? { migrations } : {}), ...(suspended ? { suspended } : {}) };
}

/** A credential role's marker; `undefined` for anything else. */
export function decodeCredentialMarker(comment: string | null | undefined): CredentialMarker | undefined {
  const value = decodeMarker(comment);
  const { credentialFor, schema, database, createdAt } = value ?? {};
  if (typeof credentialFor !== 'string' || typeof schema !== 'string' || typeof database !== 'string' || typeof createdAt !== 'string') return undefined;
  return { v: Number(value?.['v']), credentialFor, schema, database, createdAt };
}

/** A migrator (delegate) login's marker: the tenant role it may switch to. */
export function decodeMigratorMarker(comment: string | null | undefined): { migratorFor: string } | undefined {
  const value = decodeMarker(comment);
  return typeof value?.['migratorFor'] === 'string' ? { migratorFor: value['migratorFor'] } : undefined;
}

function decodeMarker(comment: string | null | undefined): Record<string, unknown> | undefined {
  if (!comment?.startsWith(MARKER_PREFIX)) return undefined;
  try {
    const value: unknown = JSON.parse(comment.slice(MARKER_PREFIX.length));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

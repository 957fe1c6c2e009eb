import { ValidationError, type TenantRef } from '@tenantry/core';
import { parseTenantNames, type CatalogReader, type ErrorContext, type TenantNames, type TenantRenaming, type TenantryDialect } from '@tenantry/sql';
import type { AdminSession } from './admin-session.js';

/** The names a tenant gets: either or both. */
export interface RenameTenantTo {
  /** The schema's new name; the current one when absent. */
  schemaName?: string | undefined;
  /** The login's new name; the current one when absent. */
  username?: string | undefined;
}

/** The current names, and the new ones, validated; what `renameTenant` runs. */
export interface ParsedRename {
  readonly from: TenantNames;
  readonly to: TenantNames;
}

/**
 * Renames a tenant in one transaction (the dialect's `renaming`): schema,
 * login, markers, `search_path`; the tenant's open sessions end. Nothing is
 * changed when any check fails.
 */
export async function renameTenant(session: AdminSession, ref: TenantRef, to: RenameTenantTo): Promise<ParsedRename> {
  const rename = parseRename(session.dialect, ref, to);
  const { facts, dialect } = await session.server();
  const renaming = requireRenaming(dialect);
  const context: ErrorContext = {
    action: `rename tenant "${rename.from.schemaName}" to "${rename.to.schemaName}" (login "${rename.to.username}")`,
    schemaName: rename.from.schemaName,
    username: rename.from.username,
    database: facts.database,
    adminRole: facts.adminRole,
  };
  const read: CatalogReader = (query) => session.read(query, context);
  await session.runPlan(await renaming.planRename(read, rename, facts), context);
  return rename;
}

function parseRename(dialect: TenantryDialect, ref: TenantRef, to: RenameTenantTo): ParsedRename {
  const from = parseTenantNames(ref, dialect.rules);
  if (typeof to !== 'object' || to === null) {
    throw new ValidationError({ field: 'to', rule: 'type', message: 'The new names are given as { schemaName?, username? }.' });
  }
  const target = parseTenantNames({ schemaName: to.schemaName ?? from.schemaName, username: to.username ?? from.username }, dialect.rules);
  if (target.schemaName === from.schemaName && target.username === from.username) {
    throw new ValidationError({ field: 'to', rule: 'empty', message: `Nothing to rename: tenant "${from.schemaName}" already has these names. Give a new schemaName, a new username, or both.` });
  }
  return { from, to: target };
}

function requireRenaming(dialect: TenantryDialect): TenantRenaming {
  if (dialect.renaming) return dialect.renaming;
  throw new ValidationError({
    field: 'dialect',
    rule: 'unsupported-by-dialect',
    message: `renameTenant is not available for the ${dialect.name} dialect: it has no way to rename a tenant's schema (or database) and login together that Tenantry can promise yet. Nothing was changed.`,
  });
}

import { TenantryError, ValidationError } from '@tenantry/core';
import type { CatalogReader, ErrorContext, LeftoverFinding, LeftoverKind, LeftoverSweep, TenantryDialect } from '@tenantry/sql';
import type { AdminSession } from './admin-session.js';

/** Options of `doctor`. */
export interface DoctorOptions {
  /** Repair what can be repaired safely (each finding's `repair`); default false: only report. */
  repair?: boolean;
}

/** One leftover, as `doctor` reports it. */
export interface DoctorFinding {
  /** What kind of leftover (`migrator-role`, `schema-without-role`, `role-without-schema`, `tenant-removing`, `expired-credential`, `credential-without-tenant`). */
  kind: LeftoverKind;
  objectKind: 'role' | 'schema';
  objectName: string;
  /** Why it is a leftover. */
  why: string;
  /** What a repair does; undefined when it is left for a person to decide (`why` says what). */
  repair: string | undefined;
  /** With `repair`: true once repaired; false when the repair failed (`error`) or was not attempted. */
  repaired: boolean;
  /** Why the repair failed. */
  error?: TenantryError | undefined;
}

/** What `doctor` found, and repaired. */
export interface DoctorReport {
  /** The database whose tenants were checked. */
  database: string;
  /** What was looked at, in words (roles are cluster-wide; tenants only in this database). */
  scope: string;
  /** The kinds of leftovers looked for. */
  kinds: LeftoverKind[];
  findings: DoctorFinding[];
}

/**
 * Finds what Tenantry left behind after crashes (the dialect's `leftovers`)
 * and, with `repair`, repairs each finding that has a safe repair, one
 * transaction each; a removal that did not finish is resumed with
 * `resumeRemoval`. One finding's failed repair does not stop the others.
 */
export async function doctor(
  session: AdminSession,
  options: DoctorOptions,
  resumeRemoval: (tenant: { schemaName: string; username: string }) => Promise<void>,
): Promise<DoctorReport> {
  const repair = options.repair ?? false;
  if (typeof repair !== 'boolean') throw new ValidationError({ field: 'repair', rule: 'type', message: 'repair must be true or false.' });
  const { facts, dialect } = await session.server();
  const sweep = requireLeftovers(dialect);
  const context: ErrorContext = { action: 'look for leftovers', database: facts.database, adminRole: facts.adminRole };
  const found = await session.transaction(context, (connection) => sweep.findLeftovers(readerOf(connection), facts), { readOnly: true });
  const findings: DoctorFinding[] = [];
  for (const finding of found) {
    findings.push(repair && finding.repair !== undefined ? await repaired(session, sweep, finding, resumeRemoval) : { ...reported(finding), repaired: false });
  }
  return { database: facts.database, scope: sweep.scope, kinds: [...sweep.kinds], findings };
}

async function repaired(
  session: AdminSession,
  sweep: LeftoverSweep,
  finding: LeftoverFinding,
  resumeRemoval: (tenant: { schemaName: string; username: string }) => Promise<void>,
): Promise<DoctorFinding> {
  const facts = await session.serverFacts();
  const context: ErrorContext = { action: `repair ${finding.objectKind} "${finding.objectName}" (${finding.kind})`, database: facts.database, adminRole: facts.adminRole };
  try {
    if (finding.kind === 'tenant-removing' && finding.tenant) {
      await resumeRemoval(finding.tenant);
    } else {
      const plan = sweep.planRepair(finding, facts);
      if (!plan) return { ...reported(finding), repaired: false };
      await session.runPlan(plan, context);
    }
    return { ...reported(finding), repaired: true };
  } catch (error) {
    return { ...reported(finding), repaired: false, error: session.mapError(error, context) };
  }
}

function reported(finding: LeftoverFinding): Omit<DoctorFinding, 'repaired'> {
  return { kind: finding.kind, objectKind: finding.objectKind, objectName: finding.objectName, why: finding.why, repair: finding.repair };
}

function requireLeftovers(dialect: TenantryDialect): LeftoverSweep {
  if (dialect.leftovers) return dialect.leftovers;
  throw new ValidationError({
    field: 'dialect',
    rule: 'unsupported-by-dialect',
    message: `doctor is not available for the ${dialect.name} dialect: it has no sweep for leftovers that Tenantry can promise yet. Nothing was changed.`,
  });
}

function readerOf(connection: { query: CatalogReader }): CatalogReader {
  return (query) => connection.query(query);
}

import type { DoctorFinding, DoctorReport } from '@tenantry/admin';
import { booleanValue, connectionOptions, helpOption, jsonOption, type ParsedArgs } from '../args.js';
import { databaseUrlOf, type CommandContext, type CommandDefinition } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { printable, type Style } from '../output.js';

export interface DoctorCommandOptions {
  databaseUrl?: string | undefined;
  /** Repair what can be repaired safely. */
  repair?: boolean;
  json?: boolean;
}

/**
 * Looks for what Tenantry left behind (`admin.doctor`), and with `repair`
 * repairs it. Exit 0 when nothing is left to do, 1 when a finding remains
 * (not repaired, or its repair failed).
 */
export async function runDoctor(options: DoctorCommandOptions, context: CommandContext): Promise<number> {
  const { output } = context;
  return context.withAdmin(options.databaseUrl, async ({ admin }) => {
    const report = await admin.doctor({ repair: options.repair ?? false });
    const remaining = report.findings.filter((finding) => !finding.repaired);
    if (options.json) await output.json(reportJson(report));
    else await output.out(reportText(report, output.style));
    if (remaining.length > 0 && !options.repair && remaining.some((finding) => finding.repair !== undefined)) {
      output.err('Run tenantry doctor --repair to repair what can be repaired safely.');
    }
    return remaining.length === 0 ? ExitCode.ok : ExitCode.failure;
  });
}

function reportText(report: DoctorReport, style: Style): string {
  const header = `Looked for ${report.kinds.join(', ')} (${report.scope}; database ${printable(report.database)}).\n`;
  if (report.findings.length === 0) return `${header}${style.green('✔')} Nothing left behind.\n`;
  return header + report.findings.map((finding) => findingText(finding, style)).join('');
}

function findingText(finding: DoctorFinding, style: Style): string {
  const status = finding.repaired ? style.green('repaired') : finding.error ? style.red('repair failed') : finding.repair ? style.yellow('found') : style.yellow('left for you');
  const lines = [`${status} ${finding.kind}: ${finding.objectKind} ${style.bold(printable(finding.objectName))}`, `  why: ${printable(finding.why)}`];
  if (finding.repair) lines.push(`  repair: ${finding.repair}`);
  if (finding.error) lines.push(`  error: ${printable(finding.error.message)}`);
  return `${lines.join('\n')}\n`;
}

function reportJson(report: DoctorReport) {
  return {
    ...report,
    findings: report.findings.map(({ error, ...finding }) => ({
      ...finding,
      ...(error ? { error: { code: error.code, message: error.message, sqlState: error.sqlState } } : {}),
    })),
  };
}

export const doctor: CommandDefinition = {
  name: 'doctor',
  summary: 'Find, and with --repair repair, what Tenantry left behind after crashes.',
  usage: ['doctor [--repair] [--json]'],
  description:
    'Looks for leftovers: migrator logins not dropped (expired, with no session), tenant schemas whose role is gone, tenant roles whose schema is gone, ' +
    'removals that did not finish, and credentials that expired or whose tenant is gone. Roles are looked for in the whole cluster; tenants in this database only. ' +
    'With --repair, each finding that has a safe repair is repaired in a transaction of its own: an empty schema or a role that owns nothing is dropped, ' +
    'a migrator login or a credential is dropped (its sessions ended), an unfinished removal is resumed; a schema that still holds objects is left for you. ' +
    'Exit 0 when nothing is left to do, 1 when a finding remains.',
  options: {
    repair: { type: 'boolean', description: 'Repair what can be repaired safely.' },
    ...connectionOptions,
    ...jsonOption,
    ...helpOption,
  },
  positionals: { min: 0, max: 0, names: '' },
  examples: ['tenantry doctor', 'tenantry doctor --repair', 'tenantry doctor --json | jq ".findings[].kind"'],
  run: (args: ParsedArgs, context) => runDoctor({ databaseUrl: databaseUrlOf(args), repair: booleanValue(args, 'repair'), json: booleanValue(args, 'json') }, context),
};

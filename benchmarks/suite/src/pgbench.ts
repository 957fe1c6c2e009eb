/**
 * pgbench runs a custom script (-n, -M simple, -c, -j, -t) as the bench
 * database's superuser; `runPgbench` takes any script.
 *
 * Baseline for bulk creation: N clients each running a custom script
 * (-f, -n, -c, -j, -t) that creates one tenant per transaction with the create
 * statements and a PLAINTEXT password. The statements are joined with `\;`
 * into one compound command: one round trip per tenant, as the minimal client.
 * Names come from a 62-bit random number per tenant (collisions are negligible
 * at these sizes: about 1e-10 for 50,000 names); the lock keys are those
 * numbers, so the server takes the same two advisory locks.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createStatements } from './minimal-client.js';
import { libpqEnv } from './pg-env.js';

export function pgbenchScript(database: string, prefix: string): string {
  const statements = createStatements(
    { schemaName: `${prefix}s_:n`, username: `${prefix}u_:n` },
    database,
    'pgbench-plaintext-password-0123',
    new Date(),
  ).map((statement) => statement.replace(/pg_advisory_xact_lock\(-?\d+\), pg_advisory_xact_lock\(-?\d+\)/, 'pg_advisory_xact_lock(:n), pg_advisory_xact_lock(-:n)'));
  // Names are quoted identifiers in the template: `"ps_:n"` -> pgbench substitutes :n inside.
  return `\\set n random(1000000000000000, 4611686018427387903)\n${statements.join(' \\;\n')};\n`;
}

export interface PgbenchResult {
  tenants: number;
  /** pgbench's tps without the initial connection time. */
  tps: number;
  wallMs: number;
  failed: number;
}

export async function runPgbench(url: string, options: { scriptPath: string; script: string; clients: number; threads: number; transactionsPerClient: number }): Promise<PgbenchResult> {
  await writeFile(options.scriptPath, options.script);
  const args = ['-n', '-M', 'simple', '-f', options.scriptPath, '-c', String(options.clients), '-j', String(options.threads), '-t', String(options.transactionsPerClient)];
  const started = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('pgbench', args, { env: libpqEnv(url) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
  const wallMs = performance.now() - started;
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
  const processed = /number of transactions actually processed: (\d+)/.exec(stdout);
  const failed = /number of failed transactions: (\d+)/.exec(stdout);
  if (code !== 0 || !tps || !processed) throw new Error(`pgbench failed (${code}): ${stderr.slice(-2000)}\n${stdout.slice(-2000)}`);
  return { tenants: Number(processed[1]), tps: Number(tps[1]), wallMs, failed: failed ? Number(failed[1]) : 0 };
}

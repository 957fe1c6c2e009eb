/**
 * Peak memory of bulk runs, each in a fresh child process: Tenantry's
 * createTenants (array in, array out), createTenantsStream (lazy in, streamed
 * out), the minimal client, and the CLI's bulk import when it exists. The peak
 * is the child's own maxRSS (getrusage), cross-checked with VmHWM polled from
 * /proc/<pid>/status.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface MemoryRun {
  label: string;
  tenants: number;
  created: number;
  failed: number;
  ms: number;
  tenantsPerSecond: number;
  /** Peak RSS, MiB (child's maxRSS, or VmHWM for a foreign process). */
  peakRssMiB: number;
  vmHwmMiB: number | undefined;
  baselineRssMiB: number | undefined;
  error?: string;
}

async function vmHwmKb(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

interface ChildOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  hwmKb: number | undefined;
}

async function runChild(command: string, args: string[], env: NodeJS.ProcessEnv, stdinText?: string): Promise<ChildOutcome> {
  const started = performance.now();
  const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let hwmKb: number | undefined;
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const poll = setInterval(() => {
    void vmHwmKb(child.pid!).then((kb) => {
      if (kb !== undefined) hwmKb = Math.max(hwmKb ?? 0, kb);
    });
  }, 20);
  if (stdinText !== undefined) child.stdin.end(stdinText);
  else child.stdin.end();
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(poll);
  return { code, stdout, stderr, ms: performance.now() - started, hwmKb };
}

export async function measureBulkMemory(options: { url: string; mode: string; label: string; tenants: number; concurrency: number; prefix: string }): Promise<MemoryRun> {
  const entry = fileURLToPath(new URL('./bulk-child.js', import.meta.url));
  const outcome = await runChild(process.execPath, [entry], {
    ...process.env,
    BENCH_CHILD_URL: options.url,
    BENCH_CHILD_MODE: options.mode,
    BENCH_CHILD_COUNT: String(options.tenants),
    BENCH_CHILD_CONCURRENCY: String(options.concurrency),
    BENCH_CHILD_PREFIX: options.prefix,
  });
  const line = outcome.stdout.trim().split('\n').at(-1) ?? '';
  if (outcome.code !== 0 || !line.startsWith('{')) {
    return { label: options.label, tenants: options.tenants, created: 0, failed: options.tenants, ms: outcome.ms, tenantsPerSecond: Number.NaN, peakRssMiB: Number.NaN, vmHwmMiB: undefined, baselineRssMiB: undefined, error: outcome.stderr.trim().split('\n').slice(-3).join(' ').slice(0, 300) };
  }
  const report = JSON.parse(line) as { created: number; failed: number; ms: number; maxRssKb: number; rssBeforeKb: number; firstError?: string };
  return {
    label: options.label,
    tenants: options.tenants,
    created: report.created,
    failed: report.failed,
    ms: report.ms,
    tenantsPerSecond: (report.created / report.ms) * 1000,
    peakRssMiB: report.maxRssKb / 1024,
    vmHwmMiB: outcome.hwmKb === undefined ? undefined : outcome.hwmKb / 1024,
    baselineRssMiB: report.rssBeforeKb / 1024,
    ...(report.firstError ? { error: report.firstError.slice(0, 300) } : {}),
  };
}

/** The CLI's entry point, if `packages/cli` has been built. */
export function cliEntry(repoRoot: string): string | undefined {
  const bin = join(repoRoot, 'packages/cli/dist/bin.js');
  return existsSync(bin) ? bin : undefined;
}

/**
 * `tenantry create --from <file>` for N tenants, if the CLI supports it.
 * Returns undefined with a reason when it does not.
 */
export async function measureCliImport(options: { repoRoot: string; url: string; tenants: number; concurrency: number; prefix: string }): Promise<MemoryRun | { unavailable: string }> {
  const bin = cliEntry(options.repoRoot);
  if (!bin) return { unavailable: 'packages/cli is not built (no packages/cli/dist/bin.js)' };
  const help = await runChild(process.execPath, [bin, 'create', '--help'], process.env);
  if (!/--from/.test(help.stdout + help.stderr)) return { unavailable: `\`tenantry create --help\` does not mention --from (exit ${help.code})` };
  const file = join(tmpdir(), `tenantry-bench-cli-${process.pid}.jsonl`);
  const credentials = join(tmpdir(), `tenantry-bench-cli-${process.pid}.credentials.jsonl`);
  await rm(credentials, { force: true });
  const lines: string[] = [];
  for (let i = 1; i <= options.tenants; i++) {
    const suffix = String(i).padStart(6, '0');
    lines.push(JSON.stringify({ schemaName: `t_${options.prefix}_${suffix}`, username: `u_${options.prefix}_${suffix}` }));
  }
  await writeFile(file, lines.join('\n') + '\n');
  // The admin URL goes in DATABASE_URL (environment), never in argv.
  const args = [bin, 'create', '--from', file, '--credentials-out', credentials, '--concurrency', String(options.concurrency)];
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: options.url };
  const outcome = await runChild(process.execPath, args, env);
  const written = await readFile(credentials, 'utf8').then((text) => text.split('\n').filter((line) => line.trim() !== '').length, () => 0);
  await rm(credentials, { force: true });
  await rm(file, { force: true });
  const peakKb = outcome.hwmKb;
  return {
    label: `CLI \`tenantry create --from <jsonl> --credentials-out <file> --concurrency ${options.concurrency}\``,
    tenants: options.tenants,
    created: written,
    failed: options.tenants - written,
    ms: outcome.ms,
    tenantsPerSecond: (written / outcome.ms) * 1000,
    peakRssMiB: peakKb === undefined ? Number.NaN : peakKb / 1024,
    vmHwmMiB: peakKb === undefined ? undefined : peakKb / 1024,
    baselineRssMiB: undefined,
    ...(outcome.code === 0 && written === options.tenants ? {} : { error: `exit ${outcome.code}, ${written} credentials written: ${outcome.stderr.trim().slice(-300)}` }),
  };
}

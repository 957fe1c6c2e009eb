import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { gunzipSync } from 'node:zlib';

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  psql: string;
  pgbench: string;
  loadAverageAtStart: number[];
  netem: string;
}

function version(command: string): string {
  try {
    return execFileSync(command, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'not found';
  }
}

/** Whether the kernel can do `tc qdisc ... netem` (from /proc/config.gz, without touching any interface). */
export function netemSupport(): string {
  try {
    const config = gunzipSync(readFileSync('/proc/config.gz')).toString();
    const line = /^(# )?CONFIG_NET_SCH_NETEM[ =](.*)$/m.exec(config);
    if (!line) return 'unknown (CONFIG_NET_SCH_NETEM not in /proc/config.gz)';
    return line[1] ? 'unavailable (kernel: CONFIG_NET_SCH_NETEM is not set)' : `available (CONFIG_NET_SCH_NETEM=${line[2]})`;
  } catch {
    return 'unknown (no /proc/config.gz)';
  }
}

export function machineInfo(): MachineInfo {
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: totalmem() / 1024 ** 3,
    kernel: readFileSync('/proc/version', 'utf8').split(' ').slice(0, 3).join(' '),
    node: process.version,
    psql: version('psql'),
    pgbench: version('pgbench'),
    loadAverageAtStart: loadavg(),
    netem: netemSupport(),
  };
}

/**
 * Diagnostic: the client's own CPU per create, without the PBKDF2. Both
 * clients run with 1 SCRAM iteration (DatabaseAdmin's `scramIterations`
 * option), one create at a time, interleaved in rounds; the process's CPU time
 * (user + system, all threads) per tenant is then the client's work besides
 * the hash: validation, planning, pg, pool, credentials, garbage collection.
 */
import { performance } from 'node:perf_hooks';
import { DatabaseAdmin } from '@tenantry/admin';
import { minimalCreateTenant, randomPassword } from './minimal-client.js';
import { BENCH_DATABASE, connectedClient, tenantName } from './setup.js';
import { rotated } from './stats.js';

export interface ClientOverhead {
  tenants: number;
  /** µs of CPU per create. */
  tenantryCpuMicros: number;
  minimalCpuMicros: number;
  /** ms of wall time per create. */
  tenantryWallMs: number;
  minimalWallMs: number;
}

export async function measureClientOverhead(url: string, tenants: number): Promise<ClientOverhead> {
  const admin = new DatabaseAdmin(url, { scramIterations: 1 });
  const client = await connectedClient(url);
  const cpu = { tenantry: 0, minimal: 0 };
  const wall = { tenantry: 0, minimal: 0 };
  const batch = 20;
  const rounds = Math.max(1, Math.ceil(tenants / batch));
  let n = 0;
  try {
    await admin.createTenant({ ...tenantName('co', 'w', 0), password: randomPassword() });
    await minimalCreateTenant(client, BENCH_DATABASE, { ...tenantName('co', 'v', 0), password: randomPassword() }, 1);
    for (let round = 0; round < rounds; round++) {
      for (const who of rotated(['tenantry', 'minimal'] as const, round)) {
        const configs = Array.from({ length: batch }, () => ({ ...tenantName('co', who === 'tenantry' ? 'a' : 'm', ++n), password: randomPassword() }));
        const before = process.cpuUsage();
        const started = performance.now();
        for (const config of configs) {
          if (who === 'tenantry') await admin.createTenant(config);
          else await minimalCreateTenant(client, BENCH_DATABASE, config, 1);
        }
        wall[who] += performance.now() - started;
        const used = process.cpuUsage(before);
        cpu[who] += used.user + used.system;
      }
    }
  } finally {
    await admin.close();
    await client.end();
  }
  const count = rounds * batch;
  return {
    tenants: count,
    tenantryCpuMicros: cpu.tenantry / count,
    minimalCpuMicros: cpu.minimal / count,
    tenantryWallMs: wall.tenantry / count,
    minimalWallMs: wall.minimal / count,
  };
}

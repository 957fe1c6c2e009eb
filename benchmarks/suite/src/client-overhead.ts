/**
 * Diagnostic: the client's own CPU per create, without the PBKDF2. Every
 * variant runs with 1 SCRAM iteration (DatabaseAdmin's `scramIterations`
 * option), one create at a time, interleaved in rounds; the process's CPU time
 * (user + system, all threads) per tenant is then the client's work besides
 * the hash. Two variants add one piece of Tenantry's path each to the minimal
 * client, to attribute the difference: its planning (the parsed spec and the
 * dialect's create plan instead of the template) and a pg.Pool checkout/release.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { DatabaseAdmin } from '@tenantry/admin';
import { tenantryCreateScript } from './tenantry-plan.js';
import { TenantCredentials, tenantConnectionString, validatePassword } from '@tenantry/core';
import { createScript, minimalCreateTenant, randomPassword, scramVerifier, type TenantNames } from './minimal-client.js';
import { BENCH_DATABASE, connectedClient, tenantName } from './setup.js';
import { rotated } from './stats.js';

export interface OverheadVariant {
  name: string;
  /** µs of CPU per create. */
  cpuMicros: number;
  /** ms of wall time per create. */
  wallMs: number;
}

export interface ClientOverhead {
  tenants: number;
  /** µs of CPU per create. */
  tenantryCpuMicros: number;
  minimalCpuMicros: number;
  /** ms of wall time per create. */
  tenantryWallMs: number;
  minimalWallMs: number;
  variants?: OverheadVariant[];
}

type Tenant = TenantNames & { password: string };

export async function measureClientOverhead(url: string, tenants: number): Promise<ClientOverhead> {
  const admin = new DatabaseAdmin(url, { scramIterations: 1 });
  const client = await connectedClient(url);
  const pool = new pg.Pool({ connectionString: url });
  const variants: Record<string, (tenant: Tenant) => Promise<unknown>> = {
    'Tenantry createTenant': (tenant) => admin.createTenant(tenant),
    'minimal client': (tenant) => minimalCreateTenant(client, BENCH_DATABASE, tenant, 1),
    'minimal client + Tenantry planning': async (tenant) => {
      const verifier = await scramVerifier(tenant.password, 1);
      await client.query(tenantryCreateScript(tenant, BENCH_DATABASE, verifier));
    },
    'minimal client + pg.Pool checkout/release': async (tenant) => {
      const verifier = await scramVerifier(tenant.password, 1);
      const pooled = await pool.connect();
      try {
        await pooled.query(createScript(tenant, BENCH_DATABASE, verifier, new Date()));
      } finally {
        pooled.release();
      }
    },
    'minimal client + planning + pool + validation + credentials': async (tenant) => {
      validatePassword(tenant.password);
      const verifier = await scramVerifier(tenant.password, 1);
      // The spec parsing inside validates the names and the creation options.
      const script = tenantryCreateScript(tenant, BENCH_DATABASE, verifier);
      const pooled = await pool.connect();
      try {
        await pooled.query(script);
      } finally {
        pooled.release();
      }
      return new TenantCredentials({ ...tenant, connectionString: tenantConnectionString(url, tenant) });
    },
  };
  const names = Object.keys(variants);
  const cpu = Object.fromEntries(names.map((name) => [name, 0]));
  const wall = Object.fromEntries(names.map((name) => [name, 0]));
  const batch = 20;
  const rounds = Math.max(1, Math.ceil(tenants / batch));
  let n = 0;
  try {
    for (const [index, name] of names.entries()) {
      for (let i = 0; i < 50; i++) await variants[name]!({ ...tenantName('co', `w${index}`, ++n), password: randomPassword() });
    }
    for (let round = 0; round < rounds; round++) {
      for (const name of rotated(names, round)) {
        const configs = Array.from({ length: batch }, () => ({ ...tenantName('co', `v${names.indexOf(name)}`, ++n), password: randomPassword() }));
        const before = process.cpuUsage();
        const started = performance.now();
        for (const config of configs) await variants[name]!(config);
        wall[name]! += performance.now() - started;
        const used = process.cpuUsage(before);
        cpu[name]! += used.user + used.system;
      }
    }
  } finally {
    await admin.close();
    await client.end();
    await pool.end();
  }
  const count = rounds * batch;
  const perCreate = names.map((name) => ({ name, cpuMicros: cpu[name]! / count, wallMs: wall[name]! / count }));
  return {
    tenants: count,
    tenantryCpuMicros: perCreate[0]!.cpuMicros,
    minimalCpuMicros: perCreate[1]!.cpuMicros,
    tenantryWallMs: perCreate[0]!.wallMs,
    minimalWallMs: perCreate[1]!.wallMs,
    variants: perCreate,
  };
}

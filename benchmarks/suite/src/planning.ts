/**
 * Planning alone (no I/O): the parsed spec and the create plan with a precomputed verifier, and,
 * for scale, the minimal client's template building the same text. Also the
 * check that this template yields exactly the plan's script, which makes the
 * minimal-client baseline valid.
 */
import { pbkdf2Sync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { scramSha256Verifier } from '@tenantry/core';
import { tenantryCreateScript } from './tenantry-plan.js';
import { createScript, randomPassword, scramVerifier } from './minimal-client.js';
import { BENCH_DATABASE } from './setup.js';
import { LatenessProbe } from './event-loop.js';
import { summarize } from './stats.js';

/** Throws unless the minimal client's template and Tenantry's plan produce the same script. */
export async function checkTemplateMatchesPlan(): Promise<number> {
  const verifier = await scramVerifier(randomPassword());
  const createdAt = new Date();
  const names = [
    { schemaName: 't_x_a_000001', username: 'u_x_a_000001' },
    { schemaName: 'tenant_acme', username: 'acme_user' },
    { schemaName: 'Mixed Case', username: `o'brien "x"` },
  ];
  for (const tenant of names) {
    const plan = tenantryCreateScript(tenant, BENCH_DATABASE, verifier, createdAt);
    const template = createScript(tenant, BENCH_DATABASE, verifier, createdAt);
    if (plan !== template) throw new Error(`the minimal client's script differs from the plan for ${JSON.stringify(tenant)}:\n${plan}\n---\n${template}`);
  }
  return names.length;
}

export interface PlanningResult {
  plansPerSecond: number;
  templatesPerSecond: number;
  microsPerPlan: number;
  microsPerTemplate: number;
}

function rate(durationMs: number, work: (i: number) => void): number {
  for (let i = 0; i < 2000; i++) work(i); // warm-up
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < durationMs) {
    for (let i = 0; i < 200; i++) work(count++);
  }
  return (count / (performance.now() - started)) * 1000;
}

export async function measurePlanning(durationMs: number): Promise<PlanningResult> {
  const verifier = await scramSha256Verifier(randomPassword());
  const createdAt = new Date();
  let sink = 0;
  const plansPerSecond = rate(durationMs, (i) => {
    sink += tenantryCreateScript({ schemaName: `t_p_a_${i}`, username: `u_p_a_${i}` }, BENCH_DATABASE, verifier).length;
  });
  const templatesPerSecond = rate(durationMs, (i) => {
    sink += createScript({ schemaName: `t_p_a_${i}`, username: `u_p_a_${i}` }, BENCH_DATABASE, verifier, createdAt).length;
  });
  if (sink === 0) throw new Error('unreachable');
  return { plansPerSecond, templatesPerSecond, microsPerPlan: 1e6 / plansPerSecond, microsPerTemplate: 1e6 / templatesPerSecond };
}

export interface EventLoopCheck {
  /** One PBKDF2 (4096 rounds) through scramSha256Verifier, awaited, ms: the median of 20. */
  pbkdf2Ms: number;
  /**
   * Time scramSha256Verifier holds the caller before handing back its promise,
   * ms (median of 50). A PBKDF2 on the event loop would make this at least
   * `pbkdf2Ms`; dispatched to libuv's pool, it is a few microseconds.
   */
  synchronousMs: number;
  /** 64 verifiers, 8 at a time, through Tenantry's scramSha256Verifier: event-loop utilisation and 1 ms timer lateness. */
  tenantry: { utilization: number; p99: number; max: number; wallMs: number };
  /** The same with pbkdf2Sync on the event loop, for reference. */
  syncReference: { utilization: number; p99: number; max: number; wallMs: number };
  offEventLoop: boolean;
}

async function observe(work: () => Promise<void>): Promise<{ utilization: number; p99: number; max: number; wallMs: number }> {
  const probe = new LatenessProbe();
  const elu = performance.eventLoopUtilization();
  probe.start();
  const started = performance.now();
  await work();
  const wallMs = performance.now() - started;
  probe.stop();
  const { utilization } = performance.eventLoopUtilization(elu);
  const { p99, max } = probe.summary();
  return { utilization, p99, max, wallMs };
}

export async function checkEventLoop(): Promise<EventLoopCheck> {
  const awaited: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    await scramSha256Verifier(randomPassword());
    awaited.push(performance.now() - started);
  }
  const synchronous: number[] = [];
  for (let i = 0; i < 50; i++) {
    const started = performance.now();
    const pending = scramSha256Verifier(randomPassword());
    synchronous.push(performance.now() - started);
    await pending;
  }
  const batches = async (one: () => Promise<unknown>) => {
    for (let batch = 0; batch < 8; batch++) await Promise.all(Array.from({ length: 8 }, one));
  };
  const tenantry = await observe(() => batches(() => scramSha256Verifier(randomPassword())));
  const syncReference = await observe(() =>
    batches(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      pbkdf2Sync(randomPassword(), 'saltsaltsaltsalt', 4096, 32, 'sha256');
    }),
  );
  const pbkdf2Ms = summarize(awaited).median;
  const synchronousMs = summarize(synchronous).median;
  return {
    pbkdf2Ms,
    synchronousMs,
    tenantry,
    syncReference,
    offEventLoop: synchronousMs < pbkdf2Ms / 10 && tenantry.utilization < syncReference.utilization / 2,
  };
}

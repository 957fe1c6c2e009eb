/**
 * The latency comparison over an emulated link. The machine this suite was
 * written on has no netem (its kernel lacks CONFIG_NET_SCH_NETEM, and sch_fq
 * for BPF departure times), so the delay comes from a userspace relay in its
 * own process (relay-main.ts) that holds every chunk `delayMs` in each
 * direction, on loopback. The link's real added round trip is measured with
 * `SELECT 1` and reported next to the figures.
 */
import { performance } from 'node:perf_hooks';
import { compareLatency, type LatencyResult } from './latency.js';
import { viaPort } from './pg-env.js';
import { connectedClient, startDelayRelay } from './setup.js';
import { summarize, type Summary } from './stats.js';
import { netemSupport } from './machine.js';

export interface DelayedResult extends LatencyResult {
  oneWayDelayMs: number;
  /** `SELECT 1` round trip, direct and through the relay. */
  probe: { direct: Summary; relayed: Summary };
  netem: string;
}

async function selectOneLatency(url: string, samples: number): Promise<Summary> {
  const client = await connectedClient(url);
  const times: number[] = [];
  try {
    for (let i = 0; i < samples + 10; i++) {
      const started = performance.now();
      await client.query('SELECT 1');
      if (i >= 10) times.push(performance.now() - started);
    }
  } finally {
    await client.end();
  }
  return summarize(times);
}

export async function compareDelayed(options: { url: string; tenants: number; warmup: number; delayMs: number; onProgress?: (done: number) => void }): Promise<DelayedResult> {
  const relay = await startDelayRelay(Number(new URL(options.url).port), options.delayMs);
  try {
    const relayed = viaPort(options.url, relay.port);
    const probe = { direct: await selectOneLatency(options.url, 200), relayed: await selectOneLatency(relayed, 200) };
    const result = await compareLatency({
      url: relayed,
      directUrl: options.url,
      phase: 'l1',
      tenants: options.tenants,
      warmup: options.warmup,
      psqlTarget: { port: relay.port },
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    return {
      ...result,
      oneWayDelayMs: options.delayMs,
      probe,
      netem: `netem ${netemSupport()}; delay from a userspace relay in its own process (relay-main.ts)`,
    };
  } finally {
    await relay.close();
  }
}

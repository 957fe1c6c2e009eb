/**
 * Round trips counted on the wire: every contender talks to the server through
 * an in-process relay that parses the client's protocol messages. A round trip
 * is a simple Query ('Q') or an extended-protocol Sync ('S'); Parse messages
 * ('P') are reported too. Counted after a warm-up, so connection start-up and
 * Tenantry's one-off server-facts query are not charged to each create.
 */
import { DatabaseAdmin } from '@tenantry/admin';
import { openContenders, CONTENDERS, type ContenderName } from './latency.js';
import { viaPort } from './pg-env.js';
import { tenantName } from './setup.js';
import { WireRelay } from './wire-relay.js';
import { randomPassword } from './minimal-client.js';

export interface MessageCounts {
  calls: number;
  query: number;
  parse: number;
  sync: number;
  /** (Q + S) / calls */
  roundTripsPerCall: number;
}

export interface RoundTripResult {
  create: Record<ContenderName, MessageCounts>;
  /** Tenantry's other operations, per call. */
  tenantryOther: Record<string, MessageCounts>;
}

function take(relay: WireRelay, calls: number): MessageCounts {
  const query = relay.counts.get('Q') ?? 0;
  const parse = relay.counts.get('P') ?? 0;
  const sync = relay.counts.get('S') ?? 0;
  relay.resetCounts();
  return { calls, query, parse, sync, roundTripsPerCall: (query + sync) / calls };
}

export async function countRoundTrips(options: { url: string; calls: number }): Promise<RoundTripResult> {
  const port = Number(new URL(options.url).port);
  const relay = new WireRelay({ targetHost: '127.0.0.1', targetPort: port, countMessages: true });
  const relayPort = await relay.listen();
  const url = viaPort(options.url, relayPort);
  try {
    const contenders = await openContenders(url, 'rt', { port: relayPort });
    const create = {} as Record<ContenderName, MessageCounts>;
    let n = 0;
    try {
      for (const name of CONTENDERS) {
        for (let i = 0; i < 3; i++) await contenders.create[name](++n);
        relay.resetCounts();
        for (let i = 0; i < options.calls; i++) await contenders.create[name](++n);
        create[name] = take(relay, options.calls);
      }
    } finally {
      await contenders.close();
    }

    const admin = new DatabaseAdmin(url);
    const tenantryOther: Record<string, MessageCounts> = {};
    try {
      const tenants = Array.from({ length: options.calls + 3 }, (_, i) => ({ ...tenantName('rx', 'a', i), password: randomPassword() }));
      await admin.createTenant(tenants[0]!); // warm-up: server facts, pool
      relay.resetCounts();
      try {
        const bulk = await admin.createTenants(tenants.slice(1, options.calls + 1), { concurrency: 2 });
        if (bulk.some((result) => result.status !== 'created')) throw new Error('a tenant failed');
        tenantryOther['createTenants (per tenant)'] = take(relay, options.calls);
      } catch (error) {
        tenantryOther[`createTenants: ${(error as Error).message.slice(0, 100)}`] = take(relay, options.calls);
        for (const tenant of tenants.slice(1, options.calls + 1)) if (!(await admin.tenantExists(tenant.schemaName))) await admin.createTenant(tenant);
        relay.resetCounts();
      }
      for (let i = 0; i < options.calls; i++) await admin.getTenant(tenants[1 + (i % options.calls)]!.schemaName);
      tenantryOther['getTenant'] = take(relay, options.calls);
      for (let i = 0; i < options.calls; i++) await admin.listTenantsPage({});
      tenantryOther['listTenantsPage'] = take(relay, options.calls);
      for (let i = 1; i <= options.calls; i++) await admin.removeTenant(tenants[i]!);
      tenantryOther['removeTenant'] = take(relay, options.calls);
    } catch (error) {
      tenantryOther['error: ' + (error as Error).message.slice(0, 120)] = { calls: 0, query: 0, parse: 0, sync: 0, roundTripsPerCall: Number.NaN };
    } finally {
      await admin.close();
    }
    return { create, tenantryOther };
  } finally {
    await relay.close();
  }
}

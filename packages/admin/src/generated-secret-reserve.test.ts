import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inspect } from 'node:util';
import { threadId as mainThreadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { scramSha256Verifier } from '@tenantry/core';
import { DatabaseAdmin } from './database-admin.js';
import { GeneratedSecretReserve, generatedSecretReserveOf } from './generated-secret-reserve.js';
import { connectAs, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

/** The reserve of an admin (an internal the tests reach through `generatedSecretReserveOf`). */
function reserveOf(admin: DatabaseAdmin): GeneratedSecretReserve {
  const reserve = generatedSecretReserveOf(admin);
  if (!reserve) throw new Error('the admin has no reserve');
  return reserve;
}

const newTenant = () => ({ schemaName: uniqueName('t'), username: uniqueName('u') });

async function logsIn(connectionString: string): Promise<void> {
  const client = await connectAs(connectionString);
  await client.end();
}

/** Recomputes a verifier from its own salt: equal only if it is this password's. */
async function verifies(password: string, verifier: string): Promise<boolean> {
  const [, iterationsAndSalt] = verifier.split('$');
  const [iterations, salt] = iterationsAndSalt!.split(':');
  return (await scramSha256Verifier(password, { iterations: Number(iterations), salt: Buffer.from(salt!, 'base64') })) === verifier;
}

/** Waits (on the server's word, not a clock) until some other session waits for an advisory lock. */
async function untilWaitingOnAdvisoryLock(observer: { query: (text: string) => Promise<{ rows: { n: number }[] }> }): Promise<void> {
  for (;;) {
    const { rows } = await observer.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND pid <> pg_backend_pid()`);
    if (rows[0]!.n > 0) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const isZeroed = (buffer: Buffer) => buffer.length > 0 && buffer.every((byte) => byte === 0);

describe('GeneratedSecretReserve (no server)', () => {
  it('hands out each entry once: every password distinct, every verifier its own', async () => {
    const reserve = new GeneratedSecretReserve({ size: 4, passwordLength: 32, scramIterations: 4096 });
    try {
      const taken = [await reserve.take()]; // empty: computed inline, starts the worker
      expect(taken[0]!.computedOnThread).toBe(mainThreadId);
      for (let round = 0; round < 5; round++) {
        await reserve.testing.filled();
        for (let i = 0; i < 4; i++) taken.push(await reserve.take());
        taken.push(await reserve.take()); // the reserve is short now: this one may be either
      }
      const worker = reserve.testing.worker()!;
      expect(worker.threadId).not.toBe(mainThreadId);
      expect(taken.filter((secret) => secret.computedOnThread === worker.threadId).length).toBeGreaterThanOrEqual(20);
      expect(new Set(taken.map((secret) => secret.password)).size).toBe(taken.length);
      expect(new Set(taken.map((secret) => secret.verifier)).size).toBe(taken.length);
      for (const secret of taken) expect(await verifies(secret.password, secret.verifier)).toBe(true);
    } finally {
      await reserve.close();
    }
  });

  it('refills between server work, not during it: a take holds its refill until the work in flight ends', async () => {
    const reserve = new GeneratedSecretReserve({ size: 2, passwordLength: 32, scramIterations: 4096 });
    try {
      await reserve.take(); // empty: computed inline, starts the worker
      await reserve.testing.filled();
      reserve.serverWorkStarted();
      reserve.serverWorkStarted(); // two calls at once: the refill waits for both
      await reserve.take();
      expect(reserve.testing.jobInFlight()).toBe(false);
      reserve.serverWorkEnded();
      expect(reserve.testing.jobInFlight()).toBe(false);
      reserve.serverWorkEnded();
      expect(reserve.testing.jobInFlight()).toBe(true);
      await reserve.testing.filled();
      expect(reserve.testing.entries()).toHaveLength(2);
    } finally {
      await reserve.close();
    }
  });

  it('refills at once when a take empties it, even during server work: the next take would hash inline', async () => {
    const reserve = new GeneratedSecretReserve({ size: 1, passwordLength: 32, scramIterations: 4096 });
    try {
      await reserve.take();
      await reserve.testing.filled();
      reserve.serverWorkStarted();
      await reserve.take();
      expect(reserve.testing.jobInFlight()).toBe(true);
      reserve.serverWorkEnded();
    } finally {
      await reserve.close();
    }
  });

  it.runIf(process.platform === 'linux')('hashes on a thread of nice 19 on Linux, which ends with close()', async () => {
    const niceThreads = () =>
      readdirSync('/proc/self/task').filter((task) => {
        const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
        // Fields after the command's closing parenthesis; nice is the 19th field of the line, the 17th of these.
        return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16] === '19';
      });
    const before = niceThreads();
    const reserve = new GeneratedSecretReserve({ size: 1, passwordLength: 32, scramIterations: 4096 });
    await reserve.take();
    await reserve.testing.filled(); // the worker has run a job, so its first lines ran
    const during = niceThreads();
    await reserve.close();
    expect(during.filter((task) => !before.includes(task))).toHaveLength(1);
    expect(niceThreads()).toEqual(before);
  });

  it('zeroes an entry when it is taken', async () => {
    const reserve = new GeneratedSecretReserve({ size: 2, passwordLength: 32, scramIterations: 4096 });
    try {
      await reserve.take();
      await reserve.testing.filled();
      const [entry] = reserve.testing.entries();
      const password = entry!.password.toString('utf8');
      const taken = await reserve.take();
      expect(taken.password).toBe(password);
      expect(isZeroed(entry!.password)).toBe(true);
      expect(isZeroed(entry!.verifier)).toBe(true);
    } finally {
      await reserve.close();
    }
  });

  it('with size 0 starts no worker and computes each verifier inline', async () => {
    const reserve = new GeneratedSecretReserve({ size: 0, passwordLength: 32, scramIterations: 4096 });
    const secret = await reserve.take();
    expect(secret.computedOnThread).toBe(mainThreadId);
    expect(await verifies(secret.password, secret.verifier)).toBe(true);
    expect(reserve.testing.worker()).toBeUndefined();
    await reserve.close();
  });
});

describe('generated secrets of DatabaseAdmin', () => {
  const fixture = useAdminFixture();

  it('createTenant sends a verifier computed on the worker thread, and the tenant logs in with it', async () => {
    const { admin, superuser } = fixture();
    const reserve = reserveOf(admin);
    await logsIn((await admin.createTenant(newTenant())).connectionString);
    await reserve.testing.filled();
    const worker = reserve.testing.worker()!;
    const [next] = reserve.testing.entries();
    expect(next!.computedOnThread).toBe(worker.threadId);
    expect(worker.threadId).not.toBe(mainThreadId);
    const password = next!.password.toString('utf8');
    const verifier = next!.verifier.toString('utf8');
    const tenant = await admin.createTenant(newTenant());
    expect(tenant.password).toBe(password);
    const { rows } = await superuser.query<{ stored: string }>('SELECT rolpassword AS stored FROM pg_authid WHERE rolname = $1', [tenant.username]);
    expect(rows[0]!.stored).toBe(verifier);
    expect(isZeroed(next!.password) && isZeroed(next!.verifier)).toBe(true);
    await logsIn(tenant.connectionString);
  });

  it('createTenant takes its secret before its server work and refills only once that work has ended', async () => {
    const { admin, superuser, database } = fixture();
    const reserve = reserveOf(admin);
    const tenant = newTenant();
    // pg_stat_activity is read once per transaction: the observer is a session of its own.
    const observer = await connectAs(database.url);
    // The create plan's first lock, held here so the call waits at the server for as long as the test needs.
    const plan = await admin.planCreateTenant(tenant);
    const lockStatement = plan.statements.find((statement) => statement.sql.includes('pg_advisory_xact_lock'))!.sql;
    await reserve.testing.filled();
    await superuser.query('BEGIN');
    let created: Promise<unknown> | undefined;
    try {
      await superuser.query(lockStatement);
      created = admin.createTenant(tenant);
      await untilWaitingOnAdvisoryLock(observer);
      expect(reserve.testing.entries()).toHaveLength(reserve.size - 1);
      expect(reserve.testing.jobInFlight()).toBe(false);
    } finally {
      await superuser.query('COMMIT');
      await observer.end();
    }
    await created;
    expect(reserve.testing.jobInFlight() || reserve.testing.entries().length === reserve.size).toBe(true);
  });

  it('never hands out a secret twice: createTenant, rotatePassword and issueCredentials all get their own', async () => {
    const { admin } = fixture();
    const reserve = reserveOf(admin);
    const passwords: string[] = [];
    const connectionStrings: string[] = [];
    const tenants = [];
    for (let i = 0; i < 8; i++) {
      if (i % 3 === 0) await reserve.testing.filled();
      const tenant = await admin.createTenant(newTenant());
      tenants.push(tenant);
      passwords.push(tenant.password);
    }
    for (const tenant of tenants.slice(0, 3)) {
      const rotated = await admin.rotatePassword(tenant);
      passwords.push(rotated.password);
      connectionStrings.push(rotated.connectionString);
    }
    const issued = await admin.issueCredentials(tenants[5]!, { ttl: 600 });
    passwords.push(issued.password);
    connectionStrings.push(issued.connectionString, ...tenants.slice(3).map((tenant) => tenant.connectionString));
    expect(new Set(passwords).size).toBe(passwords.length);
    for (const connectionString of connectionStrings) await logsIn(connectionString);
  });

  it('close() terminates the worker and zeroes the entries left', async () => {
    const { adminUrl } = fixture();
    const admin = new DatabaseAdmin(adminUrl);
    const reserve = reserveOf(admin);
    await admin.createTenant(newTenant());
    await reserve.testing.filled();
    const entries = reserve.testing.entries();
    const worker = reserve.testing.worker()!;
    expect(entries.length).toBe(4);
    expect(entries.some((entry) => isZeroed(entry.password))).toBe(false);
    const exited = once(worker, 'exit');
    await admin.close();
    await exited;
    expect(reserve.testing.worker()).toBeUndefined();
    for (const entry of entries) expect(isZeroed(entry.password) && isZeroed(entry.verifier)).toBe(true);
  });

  it('with generatedSecretReserve 0 starts no worker, and creating and rotating still work', async () => {
    const { adminUrl } = fixture();
    await using admin = new DatabaseAdmin(adminUrl, { generatedSecretReserve: 0 });
    const tenant = await admin.createTenant(newTenant());
    await logsIn((await admin.rotatePassword(tenant)).connectionString);
    expect(reserveOf(admin).testing.worker()).toBeUndefined();
  });

  it('refuses a reserve size out of range before any I/O', () => {
    const { adminUrl } = fixture();
    expect(() => new DatabaseAdmin(adminUrl, { generatedSecretReserve: -1 })).toThrow(/generatedSecretReserve must be a whole number from 0/);
    expect(() => new DatabaseAdmin(adminUrl, { generatedSecretReserve: 1.5 })).toThrow(/generatedSecretReserve/);
    expect(() => new DatabaseAdmin(adminUrl, { generatedSecretReserve: 65 })).toThrow(/generatedSecretReserve/);
  });

  it('falls back to inline verifiers when the worker is terminated', async () => {
    const { adminUrl } = fixture();
    await using admin = new DatabaseAdmin(adminUrl);
    const reserve = reserveOf(admin);
    await admin.createTenant(newTenant());
    await reserve.testing.filled();
    await reserve.testing.worker()!.terminate();
    expect(reserve.testing.worker()).toBeUndefined();
    expect(inspect(reserve)).toContain("worker: 'failed'".replace(/'/g, ''));
    // Past the entries already made, every one is computed in the call.
    for (let i = 0; i < 6; i++) await logsIn((await admin.createTenant(newTenant())).connectionString);
    expect(reserve.testing.entries()).toHaveLength(0);
  });

  it('falls back to inline verifiers, and the process carries on, when the worker throws', async () => {
    const { adminUrl } = fixture();
    await using admin = new DatabaseAdmin(adminUrl);
    const reserve = reserveOf(admin);
    await admin.createTenant(newTenant());
    await reserve.testing.filled();
    const worker = reserve.testing.worker()!;
    const exited = new Promise<number>((resolve) => worker.on('exit', resolve)); // not once(): it rejects on the 'error' the reserve handles
    worker.postMessage({ password: null, salt: null, iterations: -1 }); // pbkdf2Sync throws in the worker
    const code = await exited;
    expect(code).not.toBe(0);
    expect(reserve.testing.worker()).toBeUndefined();
    for (let i = 0; i < 6; i++) await logsIn((await admin.createTenant(newTenant())).connectionString);
  });

  it('respects passwordLength and scramIterations in the entries it makes', async () => {
    const { adminUrl, superuser } = fixture();
    await using admin = new DatabaseAdmin(adminUrl, { passwordLength: 20, scramIterations: 1000 });
    const reserve = reserveOf(admin);
    await admin.createTenant(newTenant());
    await reserve.testing.filled();
    const fromWorker = reserve.testing.entries()[0]!.password.toString('utf8');
    const tenant = await admin.createTenant(newTenant());
    expect(tenant.password).toBe(fromWorker);
    expect(tenant.password).toMatch(/^[A-Za-z0-9]{20}$/);
    const { rows } = await superuser.query<{ stored: string }>('SELECT rolpassword AS stored FROM pg_authid WHERE rolname = $1', [tenant.username]);
    expect(rows[0]!.stored).toMatch(/^SCRAM-SHA-256\$1000:/);
    await logsIn(tenant.connectionString);
  });

  it('util.inspect of the admin and of its reserve shows no secret', async () => {
    const { admin } = fixture();
    const reserve = reserveOf(admin);
    await admin.createTenant(newTenant());
    await reserve.testing.filled();
    const secrets = reserve.testing.entries().flatMap((entry) => [entry.password.toString('utf8'), entry.verifier.toString('utf8')]);
    const printed = [inspect(admin, { showHidden: true, depth: 10 }), inspect(reserve, { showHidden: true, depth: 10 }), String(reserve), JSON.stringify(reserve)];
    for (const text of printed) for (const secret of secrets) expect(text).not.toContain(secret);
    expect(inspect(reserve)).toMatch(/^GeneratedSecretReserve \{ size: 4, ready: 4, worker: running \}$/);
  });
});

describe('the published build', () => {
  const fixture = useAdminFixture({ prepare: false });
  const dist = new URL('../dist/', import.meta.url);
  const run = promisify(execFile);

  // The child makes two tenants (the second from the reserve, made on the worker) and never calls close():
  // it must exit on its own, the worker being unref'd. ESM import, and require(esm) as a CommonJS caller would.
  const script = (load: string) => `
    ${load}
    (async () => {
      const admin = new DatabaseAdmin(process.env.ADMIN_URL, { requirePreparedDatabase: false });
      const reserve = generatedSecretReserveOf(admin);
      await admin.createTenant({ schemaName: process.env.T1, username: process.env.T1 });
      await reserve.testing.filled();
      await admin.createTenant({ schemaName: process.env.T2, username: process.env.T2 });
      const worker = reserve.testing.worker();
      console.log(JSON.stringify({ workerThread: worker.threadId }));
    })();`;

  it.each([
    ['imported (ESM)', ['--input-type=module', '-e', script(`import { DatabaseAdmin } from '${new URL('index.js', dist).href}'; import { generatedSecretReserveOf } from '${new URL('generated-secret-reserve.js', dist).href}';`)]],
    ['required (require(esm))', ['--input-type=commonjs', '-e', script(`const { DatabaseAdmin } = require(${JSON.stringify(fileURLToPath(new URL('index.js', dist)))}); const { generatedSecretReserveOf } = require(${JSON.stringify(fileURLToPath(new URL('generated-secret-reserve.js', dist)))});`)]],
  ])('runs its worker when %s and lets the process exit without close()', async (_how, args) => {
    const { adminUrl } = fixture();
    const env = { ...process.env, ADMIN_URL: adminUrl, T1: uniqueName('t'), T2: uniqueName('t') };
    // Exiting by itself is the assertion; the kill only stops a child that would hang the suite.
    const { stdout } = await run(process.execPath, ['--no-warnings', ...args], { env, timeout: 50_000, killSignal: 'SIGKILL' });
    const { workerThread } = JSON.parse(stdout) as { workerThread: number };
    expect(workerThread).toBeGreaterThan(0);
  });
});

import { Worker } from 'node:worker_threads';

/**
 * The worker's whole program: PBKDF2-HMAC-SHA-256 of each password it is sent
 * (SCRAM's SaltedPassword), answered with the thread that computed it.
 *
 * It is a source string run with `eval: true`, not a file: a file next to this
 * module would be `.ts` under vitest and `.js` in dist, and bundlers drop files
 * they do not see imported. The string needs only `node:` built-ins, loaded with
 * `process.getBuiltinModule` (neither `require` nor `import`: an eval'd worker is
 * CommonJS or ESM depending on the parent's flags), so it runs the same from
 * src, from dist as ESM, and when the package is `require`d. `execArgv: []`: the
 * parent's flags (loaders, `--input-type`) have no business in a hashing thread.
 * The worker zeroes its copies of each password and result once done.
 *
 * On Linux it first lowers its own thread's priority to nice 19 (a nice value
 * is per thread there; `setpriority` takes the thread's id, read from
 * /proc/thread-self): when the cores are short, the server and the caller's
 * own thread go first and the reserve waits. Elsewhere it runs as it is.
 */
const WORKER_SOURCE = `
const { parentPort, threadId } = process.getBuiltinModule('node:worker_threads');
const { pbkdf2Sync } = process.getBuiltinModule('node:crypto');
if (process.platform === 'linux') {
  try {
    const linuxThreadId = Number(process.getBuiltinModule('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
    process.getBuiltinModule('node:os').setPriority(linuxThreadId, 19);
  } catch {
    // A sandbox without /proc: the worker runs at the process's priority.
  }
}
parentPort.on('message', ({ password, salt, iterations }) => {
  const hashed = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  password.fill(0);
  // A copy of its own (a Buffer may share a pool with other data), moved to the main thread.
  const saltedPassword = new Uint8Array(hashed);
  hashed.fill(0);
  parentPort.postMessage({ saltedPassword, threadId }, [saltedPassword.buffer]);
});
`;

/** One PBKDF2 job: the password's bytes (copied to the worker, zeroed there once hashed), a salt and the rounds. */
export interface VerifierJob {
  readonly password: Uint8Array;
  readonly salt: Uint8Array;
  readonly iterations: number;
}

/** The worker's answer: SCRAM's SaltedPassword and the `threadId` that computed it. */
export interface VerifierJobResult {
  readonly saltedPassword: Uint8Array;
  readonly threadId: number;
}

/** Starts the worker with its listeners, unref'd: it never keeps the process alive. */
export function startVerifierWorker(listeners: { onResult: (result: VerifierJobResult) => void; onFailure: (worker: Worker) => void }): Worker {
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], name: 'tenantry-verifier' });
  worker.on('message', listeners.onResult);
  worker.on('error', () => listeners.onFailure(worker));
  worker.on('exit', () => listeners.onFailure(worker));
  // Last: a 'message' listener added after unref() refs the worker again.
  worker.unref();
  return worker;
}

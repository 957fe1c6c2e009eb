import { randomFillSync } from 'node:crypto';
import { inspect } from 'node:util';
import { threadId as mainThreadId, type Worker } from 'node:worker_threads';
import { generatePassword, scramSha256Verifier, scramSha256VerifierFromSaltedPassword } from '@tenantry/core';
import { startVerifierWorker, type VerifierJobResult } from './verifier-worker.js';

/** `DatabaseAdminOptions.generatedSecretReserve` when not given. */
export const DEFAULT_GENERATED_SECRET_RESERVE = 4;
/** Largest reserve accepted: it only needs to cover a burst of single calls. */
export const MAX_GENERATED_SECRET_RESERVE = 64;
const SALT_BYTES = 16;
/** The worker pauses while the main thread computes a verifier itself (a bulk call that drained the reserve): it would only compete for the two cores with that PBKDF2 and the server. */
const BUSY_INLINE_COMPUTATIONS = 1;

/** A generated password and its SCRAM-SHA-256 verifier. WARNING: holds the password. */
export interface GeneratedSecret {
  readonly password: string;
  readonly verifier: string;
  /** The `threadId` whose PBKDF2 made the verifier (the main thread's when computed inline, on libuv's pool). */
  readonly computedOnThread: number;
}

/** One reserve entry, held as Buffers so it can be wiped. */
interface Entry {
  readonly password: Buffer;
  readonly verifier: Buffer;
  readonly computedOnThread: number;
}

/**
 * Generated passwords with their SCRAM verifiers, made ahead on a worker
 * thread so that a call that needs one pays only for its round trip.
 *
 * - Bounded (`size` entries); size 0 turns it off: every call computes inline.
 * - The worker starts at the first `take` (never at construction) and is
 *   unref'd (it never keeps the process alive).
 * - It refills between the admin's calls to the server, not during one
 *   (`serverWorkStarted`/`serverWorkEnded`): a PBKDF2 beside the server's own
 *   work slows the call the caller waits for (both cores busy, and the
 *   server's `CREATE ROLE` hashes too). Held refills start when the server
 *   work ends, so calls back to back still get one refill each; only an empty
 *   reserve refills at once, whatever runs.
 * - A take that finds it empty computes inline, as without a reserve: it
 *   never waits for the worker.
 * - Every entry is handed out once; its Buffers are zeroed when taken and on
 *   `close`, which also terminates the worker.
 * - A worker that fails is dropped: from then on every call computes inline.
 * - Nothing here prints a secret: `util.inspect` shows counts only.
 *
 * One worker: on two cores a second one would take CPU the server needs, and
 * one refills a reserve of 4 well within the time of a round trip.
 */
export class GeneratedSecretReserve {
  readonly size: number;
  readonly #passwordLength: number;
  readonly #iterations: number;
  readonly #entries: Entry[] = [];
  #worker: Worker | undefined;
  /** The password of the job the worker is on (one at a time), waiting for its SaltedPassword. */
  #inFlight: { password: Buffer; salt: Buffer } | undefined;
  #workerFailed = false;
  #closed = false;
  #inlineComputations = 0;
  /** Entries handed out so far (for tests: they count the verifiers not computed in the call). */
  #handedOut = 0;
  /** Resolved whenever an entry is added: for tests that need a full reserve, without timing. */
  #waiters: (() => void)[] = [];
  /** The admin's calls to the server now in flight: refills wait for none. */
  #serverWork = 0;

  constructor(options: { size: number; passwordLength: number; scramIterations: number }) {
    this.size = options.size;
    this.#passwordLength = options.passwordLength;
    this.#iterations = options.scramIterations;
  }

  /** A fresh password and its verifier: from the reserve if it has one, else computed now on libuv's pool. */
  async take(): Promise<GeneratedSecret> {
    const entry = this.#entries.shift();
    if (entry) {
      this.#handedOut++;
      // Not refilled here: the call that takes it goes to the server next; its end refills (`serverWorkEnded`).
      if (this.#entries.length === 0) this.#refill();
      return toSecret(entry);
    }
    this.#inlineComputations++;
    let secret: GeneratedSecret;
    try {
      const password = generatePassword(this.#passwordLength);
      secret = { password, verifier: await scramSha256Verifier(password, { iterations: this.#iterations }), computedOnThread: mainThreadId };
    } finally {
      this.#inlineComputations--;
    }
    // Only after one succeeded inline: the options are then known good, and the worker's first job cannot fail on them.
    this.#refill();
    return secret;
  }

  /** The admin sends work to the server: refills wait until no such work is in flight. */
  serverWorkStarted(): void {
    this.#serverWork++;
  }

  /** The admin's work at the server ended: when none is left in flight, the held refill starts. */
  serverWorkEnded(): void {
    this.#serverWork--;
    if (this.#serverWork === 0) this.#refill();
  }

  /** Terminates the worker and zeroes every entry. The reserve stays off afterwards. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const entry of this.#entries.splice(0)) wipe(entry);
    this.#wipeInFlight();
    for (const wake of this.#waiters.splice(0)) wake();
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) await worker.terminate();
  }

  /** @internal For tests: the entries' Buffers (to check they are zeroed), the worker, how many were handed out, and a wait for a full reserve. */
  get testing() {
    return {
      handedOut: (): number => this.#handedOut,
      jobInFlight: (): boolean => this.#inFlight !== undefined,
      entries: (): readonly Entry[] => [...this.#entries],
      worker: (): Worker | undefined => this.#worker,
      filled: (): Promise<void> => this.#filled(),
    };
  }

  [inspect.custom](): string {
    return `GeneratedSecretReserve { size: ${this.size}, ready: ${this.#entries.length}, worker: ${this.#worker ? 'running' : this.#workerFailed ? 'failed' : 'none'} }`;
  }

  /**
   * Starts the next job if the reserve is short, the worker idle, the main
   * thread not busy with verifiers of its own, and no server work in flight
   * (an empty reserve refills anyway: the next take would hash inline).
   */
  #refill(): void {
    if (this.#closed || this.#workerFailed || this.size === 0 || this.#inFlight) return;
    if (this.#entries.length >= this.size || this.#inlineComputations >= BUSY_INLINE_COMPUTATIONS) return;
    if (this.#serverWork > 0 && this.#entries.length > 0) return;
    const worker = this.#worker ?? this.#start();
    if (!worker) return;
    const password = unpooled(generatePassword(this.#passwordLength));
    const salt = randomFillSync(Buffer.alloc(SALT_BYTES));
    this.#inFlight = { password, salt };
    worker.postMessage({ password, salt, iterations: this.#iterations });
  }

  #start(): Worker | undefined {
    try {
      const worker = startVerifierWorker({ onResult: (result) => this.#onResult(result), onFailure: (failed) => this.#onWorkerFailed(failed) });
      this.#worker = worker;
      return worker;
    } catch {
      this.#workerFailed = true;
      return undefined;
    }
  }

  #onResult(result: VerifierJobResult): void {
    const job = this.#inFlight;
    this.#inFlight = undefined;
    const saltedPassword = Buffer.from(result.saltedPassword.buffer, result.saltedPassword.byteOffset, result.saltedPassword.byteLength);
    if (!job || this.#closed) {
      saltedPassword.fill(0);
      return;
    }
    const verifier = unpooled(scramSha256VerifierFromSaltedPassword(saltedPassword, job.salt, this.#iterations));
    saltedPassword.fill(0);
    this.#entries.push({ password: job.password, verifier, computedOnThread: result.threadId });
    for (const wake of this.#waiters.splice(0)) wake();
    this.#refill();
  }

  /** A worker that errs or exits unasked is dropped for good: calls compute inline, and the process carries on. */
  #onWorkerFailed(worker: Worker): void {
    if (this.#worker !== worker) return; // already closed or replaced
    this.#worker = undefined;
    this.#workerFailed = true;
    this.#wipeInFlight();
    void worker.terminate().catch(() => undefined);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  #wipeInFlight(): void {
    this.#inFlight?.password.fill(0);
    this.#inFlight = undefined;
  }

  async #filled(): Promise<void> {
    while (!this.#closed && !this.#workerFailed && this.#entries.length < this.size) {
      this.#refill();
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }
}

/** The entry as strings for the caller; its Buffers are zeroed (the strings are the caller's one copy). */
function toSecret(entry: Entry): GeneratedSecret {
  const secret = { password: entry.password.toString('utf8'), verifier: entry.verifier.toString('utf8'), computedOnThread: entry.computedOnThread };
  wipe(entry);
  return secret;
}

function wipe(entry: Entry): void {
  entry.password.fill(0);
  entry.verifier.fill(0);
}

/**
 * The text in a Buffer of its own. `Buffer.from(text)` may slice a shared
 * pool: posting it to the worker would copy the whole pool, and other data with it.
 */
function unpooled(text: string): Buffer {
  const buffer = Buffer.alloc(Buffer.byteLength(text, 'utf8'));
  buffer.write(text, 'utf8');
  return buffer;
}

/** Each admin's reserve, for tests (`generatedSecretReserveOf`); not part of the package's API. */
const reserves = new WeakMap<object, GeneratedSecretReserve>();

/** @internal Records `owner`'s reserve for `generatedSecretReserveOf`. */
export function linkGeneratedSecretReserve(owner: object, reserve: GeneratedSecretReserve): void {
  reserves.set(owner, reserve);
}

/** @internal The reserve of an admin, for tests: which thread made a verifier, whether `close` zeroed it. */
export function generatedSecretReserveOf(owner: object): GeneratedSecretReserve | undefined {
  return reserves.get(owner);
}

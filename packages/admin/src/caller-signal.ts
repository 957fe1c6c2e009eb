import { ValidationError } from '@tenantry/core';
import { BulkAbortedError, type AbortableBulkCall } from './bulk-aborted-error.js';

/** Checks a bulk call's `signal` option, before any I/O. */
export function validateSignal(signal: unknown): AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new ValidationError({ field: 'signal', rule: 'type', message: 'signal must be an AbortSignal.' });
  }
  return signal;
}

/**
 * Runs a bulk call's stream under the caller's `signal`. `run` gets a
 * controller to hand to `mapConcurrent` (and to abort for its own reasons);
 * the caller's abort is forwarded to it, so nothing new starts, what is in
 * flight finishes and is yielded, and then the stream throws
 * `BulkAbortedError` (the signal's reason as its `cause`). Any other stop
 * reason is thrown as it is.
 */
export async function* underCallerSignal<R>(
  call: AbortableBulkCall,
  signal: AbortSignal | undefined,
  run: (stop: AbortController) => AsyncIterable<R>,
): AsyncGenerator<R, void, undefined> {
  const stop = new AbortController();
  const callerAbort = Symbol('caller abort');
  const forward = (): void => stop.abort(callerAbort);
  let finished = 0;
  if (signal?.aborted) forward();
  else signal?.addEventListener('abort', forward, { once: true });
  try {
    for await (const result of run(stop)) {
      finished += 1;
      yield result;
    }
  } catch (error) {
    if (error === callerAbort) throw new BulkAbortedError<R>({ call, finished, cause: signal?.reason });
    throw error;
  } finally {
    signal?.removeEventListener('abort', forward);
  }
}

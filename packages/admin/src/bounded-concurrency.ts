/** Options of `mapConcurrent`. */
export interface MapConcurrentOptions {
  /** Most items started and not yet taken by the consumer: running, or finished and waiting. At least 1. */
  concurrency: number;
  /** Aborting stops the run as a failure would, with `signal.reason` as the error (see `mapConcurrent`). */
  signal?: AbortSignal | undefined;
}

/**
 * Runs `work` on every item of `source`, at most `concurrency` at a time, and
 * yields the results in completion order. Internal to `@tenantry/admin`: the
 * engine of its bulk operations.
 *
 * - Lazy: nothing happens until the first `next()`. The source is pulled one
 *   item at a time, and only while fewer than `concurrency` items are started
 *   and not yet taken by the consumer. A slow consumer therefore stops the
 *   pulling (backpressure): at most `concurrency` results wait in memory, and
 *   an async source is never read ahead.
 * - A failure (`work` rejects, the source throws, or `signal` aborts) starts
 *   nothing new; the items in flight finish and their results are still
 *   yielded; then the iteration throws that (first) error.
 * - Leaving early (`break`, `return`, a throw in the loop body) waits for the
 *   items in flight, drops their results, and closes the source's iterator.
 *
 * ```ts
 * for await (const size of mapConcurrent(paths, (path) => stat(path).then((s) => s.size), { concurrency: 4 })) total += size;
 * ```
 */
export async function* mapConcurrent<T, R>(
  source: Iterable<T> | AsyncIterable<T>,
  work: (item: T, index: number) => Promise<R>,
  { concurrency, signal }: MapConcurrentOptions,
): AsyncGenerator<R, void, undefined> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number of at least 1, got ${concurrency}`);
  const iterator: Iterator<T> | AsyncIterator<T> =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  const running = new Set<Promise<void>>();
  const finished: R[] = [];
  let held = 0; // started and not yet yielded: running, or in `finished`
  let index = 0;
  let exhausted = false; // the source is done, or threw: pull no more
  let stopping = false; // a failure, or the consumer left: start no more
  let failure: { error: unknown } | undefined;
  let pulling = false;
  let pulled: Promise<void> = Promise.resolve();
  let wake: (() => void) | undefined;

  const notify = (): void => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const fail = (error: unknown): void => {
    failure ??= { error };
    stopping = true;
    notify();
  };
  const onAbort = (): void => fail(signal?.reason);

  const start = (item: T): void => {
    const position = index++;
    held += 1;
    const task: Promise<void> = (async () => work(item, position))()
      .then(
        (result) => void finished.push(result),
        (error: unknown) => {
          held -= 1;
          fail(error);
        },
      )
      .finally(() => {
        running.delete(task);
        notify();
      });
    running.add(task);
  };

  // One pull at a time: iterators are not meant to be called concurrently.
  const fill = async (): Promise<void> => {
    try {
      while (!exhausted && !stopping && held < concurrency) {
        const step = await iterator.next();
        if (step.done) exhausted = true;
        else if (!stopping) start(step.value);
      }
    } catch (error) {
      exhausted = true;
      fail(error);
    } finally {
      pulling = false;
      notify();
    }
  };
  const pull = (): void => {
    if (pulling || exhausted || stopping || held >= concurrency) return;
    pulling = true;
    pulled = fill();
  };

  if (signal?.aborted) fail(signal.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    pull();
    for (;;) {
      if (finished.length > 0) {
        const result = finished.shift() as R;
        held -= 1;
        pull();
        yield result;
        continue;
      }
      if (running.size === 0 && !pulling && (exhausted || stopping)) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (failure) throw failure.error;
  } finally {
    stopping = true;
    signal?.removeEventListener('abort', onAbort);
    await pulled;
    await Promise.all(running);
    if (!exhausted) {
      try {
        await iterator.return?.();
      } catch (error) {
        if (!failure) throw error; // the first error wins, as in for-await
      }
    }
  }
}

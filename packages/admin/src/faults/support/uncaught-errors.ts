/**
 * Records uncaught exceptions while a fault is injected. A `pg` client that
 * loses its connection emits 'error'; when nobody listens (a client checked
 * out of a pool has no listener of its own) Node throws it as an uncaught
 * exception, which ends a real service. vitest reports those for the whole
 * run; this lets the test that caused one fail by name.
 */
export function watchUncaughtErrors(): { readonly errors: readonly unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const record = (error: unknown): void => {
    errors.push(error);
  };
  process.on('uncaughtException', record);
  return {
    errors,
    stop: () => {
      process.off('uncaughtException', record);
    },
  };
}

/** The messages of recorded errors, for an assertion that names them. */
export function messagesOf(errors: readonly unknown[]): string[] {
  return errors.map((error) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)));
}

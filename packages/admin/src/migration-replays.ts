import { CompiledQuery, type Migration, type MigrationProvider } from 'kysely';
import type { MigrationRecording } from './migration-recorder.js';

/** How many recordings a `DatabaseAdmin` keeps: one per migration list in use, lists rarely differ. */
const MAX_RECORDINGS = 8;

/**
 * The recordings a `DatabaseAdmin` made of its migration lists, for
 * `createTenant`'s fast path.
 *
 * A recording is replayed only for the same list: the same names bound to the
 * same `up` and `down` functions (the same objects, not functions that look
 * alike: a closure over other values would be a different migration). Kysely's
 * `FileMigrationProvider` imports its files once per process, so it returns the
 * same functions every time. Migrations are expected to be deterministic, as
 * migrations are: the recording is what they ran in a fresh schema.
 */
export class MigrationReplays {
  readonly #recordings: MigrationRecording[] = [];

  /** The recording of exactly these migrations, if there is one. */
  find(migrations: Readonly<Record<string, Migration>>): MigrationRecording | undefined {
    return this.#recordings.find((recording) => sameMigrations(recording.migrations, migrations));
  }

  remember(recording: MigrationRecording): void {
    this.forget(recording);
    this.#recordings.unshift(recording);
    this.#recordings.splice(MAX_RECORDINGS);
  }

  forget(recording: MigrationRecording): void {
    const index = this.#recordings.findIndex((kept) => sameMigrations(kept.migrations, recording.migrations));
    if (index >= 0) this.#recordings.splice(index, 1);
  }
}

/**
 * Runs a recording as migrations, inside Kysely's `Migrator` like the
 * original, so the history is Kysely's own, with this run's timestamps.
 *
 * Everything the `up`s ran goes in as few round trips as it can: the first
 * migration's `up` sends the whole recording (consecutive statements without
 * parameters as one query), the others' have nothing left to send. The
 * migrations run in one transaction either way, so the end state is the same,
 * and a round trip per migration was most of what a replay cost above the
 * server's own work.
 */
export function replayProvider(recording: MigrationRecording): MigrationProvider {
  const names = Object.keys(recording.migrations).sort();
  const everything = batched(names.flatMap((name) => recording.queries.get(name) ?? []));
  const migrations = Object.fromEntries(
    Object.entries(recording.migrations).map(([name, migration]) => [
      name,
      {
        ...migration,
        up: async (db: Parameters<Migration['up']>[0]) => {
          if (name !== names[0]) return; // sent with the first
          for (const query of everything) await db.executeQuery(query);
        },
      },
    ]),
  );
  return { getMigrations: async () => migrations };
}

function sameMigrations(a: Readonly<Record<string, Migration>>, b: Readonly<Record<string, Migration>>): boolean {
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  return names.every((name) => b[name] !== undefined && a[name]!.up === b[name].up && a[name]!.down === b[name].down);
}

/**
 * Consecutive queries without parameters as one (the simple query protocol
 * runs several statements in one round trip); a query with parameters alone.
 * Statements are joined on lines of their own, so a trailing `--` comment
 * cannot swallow the separator.
 */
function batched(queries: readonly CompiledQuery[]): CompiledQuery[] {
  const batches: CompiledQuery[] = [];
  let texts: string[] = [];
  const flush = () => {
    if (texts.length > 0) batches.push(CompiledQuery.raw(texts.join('\n;\n')));
    texts = [];
  };
  for (const query of queries) {
    if (query.parameters.length === 0) {
      texts.push(query.sql);
    } else {
      flush();
      batches.push(query);
    }
  }
  flush();
  return batches;
}

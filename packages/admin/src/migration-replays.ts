import type { Migration, MigrationProvider } from 'kysely';
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
 * Runs a recording as migrations: each `up` sends what the original `up` ran,
 * in as few round trips as it can. It runs inside Kysely's `Migrator`, like
 * the original, so the history is Kysely's own, with this run's timestamps.
 */
export function replayProvider(recording: MigrationRecording): MigrationProvider {
  const migrations = Object.fromEntries(
    Object.entries(recording.migrations).map(([name, migration]) => [
      name,
      {
        ...migration,
        up: async (db: Parameters<Migration['up']>[0]) => {
          for (const query of recording.queries.get(name) ?? []) await db.executeQuery(query);
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

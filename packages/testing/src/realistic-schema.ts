/**
 * The benchmark schema of issue 12: what a real SaaS tenant carries, written
 * as 31 migrations the way projects accumulate them. 100 tables with identity
 * keys, 6 to 10 columns of common types, two secondary indexes, a foreign key
 * and a check each; 10 views; 10 PL/pgSQL functions; 5 triggers; 3 enum types;
 * comments. Deterministic: the same statements every run.
 *
 * `tables` cuts it to the first N tables (1 to 100) and the objects that
 * depend only on them (views, functions, triggers, comments), for the
 * schema-size phase; the default, 100, is the whole schema.
 *
 * Each migration is a list of SQL statements with unqualified names: they run
 * in the tenant's schema (Kysely migrations as the tenant, or psql with the
 * search_path set), so both sides replay exactly the same DDL.
 */
import type { Migration } from 'kysely';
import { statementMigrations } from './statement-migrations.js';

export const REALISTIC_SCHEMA_TABLES = 100;
const VIEWS = 10;
const TOTAL_FUNCTIONS = 9;
const TRIGGERS = 5;
const ENUMS = ['account_status', 'invoice_state', 'priority'] as const;
const ENUM_VALUES: Readonly<Record<(typeof ENUMS)[number], readonly string[]>> = {
  account_status: ['trial', 'active', 'suspended', 'closed'],
  invoice_state: ['draft', 'sent', 'paid', 'void'],
  priority: ['low', 'normal', 'high', 'urgent'],
};

/** Column types cycled through, so every table has a different mix. */
const COLUMN_TYPES = ['text NOT NULL', 'integer NOT NULL DEFAULT 0', 'numeric(12,2)', 'boolean NOT NULL DEFAULT false', 'timestamptz NOT NULL DEFAULT now()', 'jsonb', 'date', 'uuid', 'varchar(200)', 'bigint'] as const;

const table = (n: number) => `t${String(n).padStart(3, '0')}`;

/** The DDL of table `n` (1-based): identity key, columns, the foreign key to the table before it, a check, two indexes. */
function tableStatements(n: number): string[] {
  const name = table(n);
  const columnCount = 6 + (n % 5); // 6 to 10
  const columns = Array.from({ length: columnCount }, (_, index) => `c${index} ${COLUMN_TYPES[(n + index) % COLUMN_TYPES.length]}`);
  const status = ENUMS[n % ENUMS.length]!;
  const parent = n === 1 ? '' : `, parent_id bigint REFERENCES ${table(n - 1)} (id) ON DELETE SET NULL`;
  return [
    `CREATE TABLE ${name} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ${columns.join(', ')}, status ${status}${parent}, amount integer NOT NULL DEFAULT 0 CONSTRAINT ${name}_amount_positive CHECK (amount >= 0))`,
    `CREATE INDEX ${name}_c0_idx ON ${name} (c0)`,
    `CREATE INDEX ${name}_status_amount_idx ON ${name} (status, amount)`,
  ];
}

/** The migrations' statements, in order (31 migrations, 438 statements for the whole schema). */
export function realisticSchemaStatements(tables = REALISTIC_SCHEMA_TABLES): string[][] {
  if (!Number.isInteger(tables) || tables < 1 || tables > REALISTIC_SCHEMA_TABLES) throw new RangeError(`tables must be 1 to ${REALISTIC_SCHEMA_TABLES}, got ${tables}`);
  // Views and functions read tables 10i+1..10i+2, triggers sit on 20i+5: keep those whose tables exist.
  const upTo = (limit: number, lastTable: (index: number) => number) => Array.from({ length: limit }, (_, index) => index).filter((index) => lastTable(index) <= tables);
  const views = upTo(VIEWS, (index) => index * 10 + 2);
  const migrations: string[][] = [];
  migrations.push(ENUMS.map((name) => `CREATE TYPE ${name} AS ENUM (${ENUM_VALUES[name].map((value) => `'${value}'`).join(', ')})`));
  migrations.push([`CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.amount := greatest(NEW.amount, 0); RETURN NEW; END $$`]);
  // Migrations of 4 tables each (25 for the 100 tables).
  for (let first = 1; first <= tables; first += 4) {
    migrations.push(Array.from({ length: Math.min(4, tables - first + 1) }, (_, index) => tableStatements(first + index)).flat());
  }
  migrations.push(
    views.map((index) => {
      const n = index * 10 + 1;
      return `CREATE VIEW v${index} AS SELECT a.id, a.amount, b.id AS child_id FROM ${table(n)} a LEFT JOIN ${table(n + 1)} b ON b.parent_id = a.id WHERE a.amount > ${index}`;
    }),
  );
  migrations.push(
    upTo(TOTAL_FUNCTIONS, (index) => index * 10 + 2).map(
      (index) =>
        `CREATE FUNCTION total_${index}(minimum integer) RETURNS bigint LANGUAGE plpgsql STABLE AS $$ DECLARE result bigint; BEGIN SELECT coalesce(sum(amount), 0) INTO result FROM ${table(index * 10 + 2)} WHERE amount >= minimum; RETURN result; END $$`,
    ),
  );
  migrations.push(
    upTo(TRIGGERS, (index) => index * 20 + 5).map((index) => `CREATE TRIGGER ${table(index * 20 + 5)}_touch BEFORE UPDATE ON ${table(index * 20 + 5)} FOR EACH ROW EXECUTE FUNCTION touch_updated_at()`),
  );
  migrations.push([
    ...Array.from({ length: tables }, (_, index) => `COMMENT ON TABLE ${table(index + 1)} IS 'Table ${index + 1} of the benchmark schema'`),
    ...views.map((index) => `COMMENT ON VIEW v${index} IS 'View ${index}'`),
  ]);
  return migrations.filter((statements) => statements.length > 0);
}

/**
 * The same statements as Kysely migrations, named `001_step`, `002_step`, ...
 * `suffix` is appended to every name (`001_step_r3`): the same DDL under names
 * no earlier tenant was migrated with.
 */
export function realisticSchemaMigrations(tables = REALISTIC_SCHEMA_TABLES, suffix = ''): Record<string, Migration> {
  return statementMigrations(Object.fromEntries(realisticSchemaStatements(tables).map((statements, index) => [`${String(index + 1).padStart(3, '0')}_step${suffix}`, statements])));
}

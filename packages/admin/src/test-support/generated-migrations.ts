import fc from 'fast-check';
import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration, type MigrationProvider, type RawBuilder } from 'kysely';

/**
 * Random Kysely migration lists for property tests of createTenant's
 * migrations: 2 to 6 migrations that together make every kind of object a
 * tenant's schema holds (tables with identity keys and random columns,
 * defaults, generated columns, checks and foreign keys; indexes, unique and
 * partial; enums; a sequence; a view; PL/pgSQL functions, security definer or
 * invoker, some with `SET search_path FROM CURRENT`; a trigger; comments; a
 * policy with row level security), plus a few random extra steps.
 *
 * A generated value is a plan (plain data, printed when a property fails) and
 * the migrations built from it once. The migrations use unqualified names, as
 * a tenant's run with the tenant's schema on the search_path, and do the same
 * thing on every run: nothing random happens at run time.
 */
export interface GeneratedMigrationList {
  /** What each migration does, in order. */
  readonly plan: readonly GeneratedMigrationPlan[];
  /** Kysely migrations by name, built once: the same function objects for the life of this value. */
  readonly migrations: Readonly<Record<string, Migration>>;
}

export interface GeneratedMigrationPlan {
  /** `001_...`, `002_...`: Kysely runs migrations in name order. */
  name: string;
  steps: GeneratedStep[];
}

export type GeneratedColumnType = 'integer' | 'bigint' | 'text' | 'varchar(40)' | 'boolean' | 'numeric(10, 2)' | 'timestamptz' | 'date' | 'jsonb' | 'uuid';

export interface GeneratedColumn {
  name: string;
  /** A built-in type, or an enum made by an earlier step (with its first label, for a default). */
  type: GeneratedColumnType | { enum: string; firstLabel: string };
  notNull: boolean;
  /** A fixed literal (or expression) for the type, `nextval` of an earlier sequence, or none. Never with `generated`. */
  default: 'literal' | { sequence: string } | null;
  /** `GENERATED ALWAYS AS (<expression on id>) STORED`. */
  generated: boolean;
}

export type GeneratedCommentTarget =
  | { object: 'TABLE' | 'VIEW' | 'TYPE' | 'SEQUENCE' | 'INDEX'; name: string }
  | { object: 'COLUMN'; table: string; column: string }
  | { object: 'FUNCTION'; name: string; integerArgument: boolean }
  | { object: 'TRIGGER' | 'POLICY'; name: string; table: string };

export type GeneratedStep =
  | { kind: 'create enum'; name: string; labels: string[] }
  | { kind: 'create sequence'; name: string; start: number; increment: number }
  | {
      kind: 'create table';
      name: string;
      key: 'identity always' | 'identity by default' | 'serial';
      columns: GeneratedColumn[];
      check: { name: string; column: string; on: 'number' | 'text' } | null;
      foreignKey: { name: string; column: string; references: string; onDelete: 'cascade' | 'set null' | 'restrict' } | null;
    }
  | { kind: 'add column'; table: string; column: GeneratedColumn }
  | { kind: 'create index'; name: string; table: string; column: string; unique: boolean; partial: boolean }
  | { kind: 'create view'; name: string; table: string; columns: string[] }
  | { kind: 'create function'; name: string; securityDefiner: boolean; pinSearchPath: boolean; volatility: Volatility; addend: number }
  | {
      kind: 'create trigger';
      name: string;
      function: string;
      table: string;
      securityDefiner: boolean;
      pinSearchPath: boolean;
      timing: 'BEFORE' | 'AFTER';
      /** A text column the (BEFORE) trigger fills in when NULL. */
      fills: string | null;
    }
  | { kind: 'comment'; on: GeneratedCommentTarget; text: string }
  | {
      kind: 'create policy';
      name: string;
      table: string;
      command: PolicyCommand;
      to: 'PUBLIC' | 'CURRENT_USER';
      restrictive: boolean;
      /** The policy lets rows through where this column is not NULL; `null`: all rows. */
      column: string | null;
    };

type Volatility = 'IMMUTABLE' | 'STABLE' | 'VOLATILE';
type PolicyCommand = 'ALL' | 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

/**
 * An arbitrary of {@link GeneratedMigrationList}s. Names are unquoted-safe
 * identifiers (some columns are reserved words, so quoting matters), unique
 * within a list.
 *
 * @example
 * ```ts
 * await fc.assert(fc.asyncProperty(generatedMigrationLists(), async (list) => {
 *   await admin.createTenant(names, { migrations: generatedMigrationProvider(list) });
 * }), { numRuns: 5 });
 * ```
 */
export function generatedMigrationLists(): fc.Arbitrary<GeneratedMigrationList> {
  const mandatory = [tableIntent, tableIntent, enumIntent, sequenceIntent, indexIntent, viewIntent, functionIntent, triggerIntent, commentIntent, policyIntent];
  const extra = fc.oneof(
    { weight: 3, arbitrary: tableIntent },
    { weight: 3, arbitrary: addColumnIntent },
    { weight: 2, arbitrary: indexIntent },
    { weight: 2, arbitrary: commentIntent },
    enumIntent,
    sequenceIntent,
    viewIntent,
    functionIntent,
    triggerIntent,
    policyIntent,
  );
  // Each intent carries a sort key, so the order is random and still shrinks well.
  const ordered = (intent: fc.Arbitrary<Intent>) => fc.record({ order: fc.nat(), intent });
  return fc
    .record({
      mandatory: fc.tuple(...mandatory.map(ordered)),
      extras: fc.array(ordered(extra), { maxLength: 4 }),
      // Where one migration ends and the next begins: 1 to 5 cuts, so 2 to 6 migrations.
      cuts: fc.uniqueArray(fc.integer({ min: 1, max: mandatory.length - 1 }), { minLength: 1, maxLength: 5 }),
    })
    .map(({ mandatory: required, extras, cuts }) => {
      const intents = [...required, ...extras].sort((a, b) => a.order - b.order).map(({ intent }) => intent);
      const plan = splitIntoMigrations(resolve(intents), cuts);
      return describedList(plan, buildMigrations(plan));
    });
}

/**
 * A provider whose `getMigrations()` returns `list.migrations`, the same
 * objects on every call and from every provider of the same list (Tenantry's
 * fast path matches lists by function identity). For the same plan with new
 * function objects, use `buildMigrations(list.plan)`.
 */
export function generatedMigrationProvider(list: GeneratedMigrationList): MigrationProvider {
  return { getMigrations: async () => list.migrations };
}

/** Builds new Kysely migrations for `plan`: new function objects on every call. */
export function buildMigrations(plan: readonly GeneratedMigrationPlan[]): Readonly<Record<string, Migration>> {
  const migrations: Record<string, Migration> = {};
  for (const { name, steps } of plan) {
    migrations[name] = {
      up: async (db: Kysely<any>) => {
        for (const step of steps) await runStep(db, step);
      },
    };
  }
  return Object.freeze(migrations);
}

function describedList(plan: GeneratedMigrationPlan[], migrations: Readonly<Record<string, Migration>>): GeneratedMigrationList {
  return Object.freeze({
    plan,
    migrations,
    // fast-check prints a failing value with this: the plan says everything.
    [fc.toStringMethod]: () => JSON.stringify(plan),
  });
}

// ---------------------------------------------------------------------------
// Intents: what to do, with references to earlier objects as numbers that
// `resolve` turns into names (modulo how many exist), so shrinking never
// produces a dangling reference.

const TABLE_WORDS = ['accounts', 'orders', 'items', 'notes', 'events', 'invoices', 'tags', 'people'] as const;
const COLUMN_WORDS = ['name', 'amount', 'status', 'label', 'total', 'flag', 'payload', 'starts_on', 'order', 'group', 'user'] as const;
const ENUM_LABELS = ['draft', 'open', 'paid', 'void', 'late', "owner's"] as const;
const COMMENT_TEXTS = ['kept for audits', "the owner's own", 'see ticket 42', 'älter als 30 Tage'] as const;
const COLUMN_TYPES: readonly GeneratedColumnType[] = ['integer', 'bigint', 'text', 'varchar(40)', 'boolean', 'numeric(10, 2)', 'timestamptz', 'date', 'jsonb', 'uuid'];

const columnIntent = fc.record({
  word: fc.constantFrom(...COLUMN_WORDS),
  type: fc.constantFrom<GeneratedColumnType | 'enum'>(...COLUMN_TYPES, 'enum'),
  pick: fc.nat(),
  notNull: fc.boolean(),
  default: fc.constantFrom('none', 'literal', 'sequence'),
  generated: fc.nat({ max: 3 }).map((n) => n === 0),
});

const tableIntent = fc.record({
  kind: fc.constant('table' as const),
  word: fc.constantFrom(...TABLE_WORDS),
  key: fc.constantFrom('identity always' as const, 'identity by default' as const, 'serial' as const),
  columns: fc.array(columnIntent, { minLength: 1, maxLength: 4 }),
  check: fc.boolean(),
  foreignKey: fc.option(fc.record({ table: fc.nat(), onDelete: fc.constantFrom('cascade' as const, 'set null' as const, 'restrict' as const) }), { nil: null }),
});
const addColumnIntent = fc.record({ kind: fc.constant('add column' as const), table: fc.nat(), column: columnIntent });
const enumIntent = fc.record({
  kind: fc.constant('enum' as const),
  labels: fc.uniqueArray(fc.constantFrom(...ENUM_LABELS), { minLength: 2, maxLength: 4 }),
});
const sequenceIntent = fc.record({ kind: fc.constant('sequence' as const), start: fc.integer({ min: 1, max: 1000 }), increment: fc.integer({ min: 1, max: 10 }) });
const indexIntent = fc.record({ kind: fc.constant('index' as const), table: fc.nat(), column: fc.nat(), unique: fc.boolean(), partial: fc.boolean() });
const viewIntent = fc.record({ kind: fc.constant('view' as const), table: fc.nat(), columns: fc.nat({ max: 3 }) });
const functionIntent = fc.record({
  kind: fc.constant('function' as const),
  securityDefiner: fc.boolean(),
  pinSearchPath: fc.boolean(),
  volatility: fc.constantFrom<Volatility>('IMMUTABLE', 'STABLE', 'VOLATILE'),
  addend: fc.integer({ min: 1, max: 99 }),
});
const triggerIntent = fc.record({
  kind: fc.constant('trigger' as const),
  table: fc.nat(),
  securityDefiner: fc.boolean(),
  pinSearchPath: fc.boolean(),
  timing: fc.constantFrom('BEFORE' as const, 'AFTER' as const),
});
const commentIntent = fc.record({ kind: fc.constant('comment' as const), target: fc.nat(), text: fc.constantFrom(...COMMENT_TEXTS) });
const policyIntent = fc.record({
  kind: fc.constant('policy' as const),
  table: fc.nat(),
  command: fc.constantFrom<PolicyCommand>('ALL', 'SELECT', 'INSERT', 'UPDATE', 'DELETE'),
  to: fc.constantFrom('PUBLIC' as const, 'CURRENT_USER' as const),
  restrictive: fc.boolean(),
  column: fc.option(fc.nat(), { nil: null }),
});

type IntentOf<A> = A extends fc.Arbitrary<infer T> ? T : never;
type ColumnIntent = IntentOf<typeof columnIntent>;
type Intent = IntentOf<
  | typeof tableIntent
  | typeof addColumnIntent
  | typeof enumIntent
  | typeof sequenceIntent
  | typeof indexIntent
  | typeof viewIntent
  | typeof functionIntent
  | typeof triggerIntent
  | typeof commentIntent
  | typeof policyIntent
>;

// ---------------------------------------------------------------------------
// Resolving intents into steps, in order.

interface ResolvedTable {
  name: string;
  columns: { name: string; type: GeneratedColumn['type']; generated: boolean }[];
}

/** What exists so far, to pick references from. */
class Schema {
  private serial = 0;
  readonly tables: ResolvedTable[] = [];
  readonly enums: { name: string; labels: string[] }[] = [];
  readonly sequences: string[] = [];
  readonly commentTargets: GeneratedCommentTarget[] = [];

  /** Unique within the list: every name ends in its own number. */
  name(word: string): string {
    this.serial += 1;
    return `${word}_${this.serial}`;
  }
}

/**
 * Turns intents into steps, in order. An intent that needs something that
 * does not exist yet (a table, anything to comment on) waits until it does;
 * every list makes tables, so none waits for ever.
 */
function resolve(intents: Intent[]): GeneratedStep[] {
  const schema = new Schema();
  const steps: GeneratedStep[] = [];
  let waiting: Intent[] = [];
  for (const intent of intents) {
    const resolved = resolveOne(schema, intent);
    if (!resolved) {
      waiting.push(intent);
      continue;
    }
    steps.push(...resolved);
    const stillWaiting: Intent[] = [];
    for (const later of waiting) {
      const ready = resolveOne(schema, later);
      if (ready) steps.push(...ready);
      else stillWaiting.push(later);
    }
    waiting = stillWaiting;
  }
  if (waiting.length > 0) throw new Error('generated migrations: intents left waiting for a table');
  return steps;
}

/** The steps for one intent, or undefined (and nothing changed) when what it needs does not exist yet. */
function resolveOne(schema: Schema, intent: Intent): GeneratedStep[] | undefined {
  const pick = <T>(items: readonly T[], n: number): T => items[n % items.length]!;
  if (intent.kind === 'enum') {
    const name = schema.name('kind');
    schema.enums.push({ name, labels: [...intent.labels] });
    schema.commentTargets.push({ object: 'TYPE', name });
    return [{ kind: 'create enum', name, labels: [...intent.labels] }];
  }
  if (intent.kind === 'sequence') {
    const name = schema.name('counter');
    schema.sequences.push(name);
    schema.commentTargets.push({ object: 'SEQUENCE', name });
    return [{ kind: 'create sequence', name, start: intent.start, increment: intent.increment }];
  }
  if (intent.kind === 'function') {
    const name = schema.name('plus');
    schema.commentTargets.push({ object: 'FUNCTION', name, integerArgument: true });
    const { securityDefiner, pinSearchPath, volatility, addend } = intent;
    return [{ kind: 'create function', name, securityDefiner, pinSearchPath, volatility, addend }];
  }
  if (intent.kind === 'table') {
    const name = schema.name(intent.word);
    const table: ResolvedTable = { name, columns: [{ name: 'id', type: 'integer', generated: false }] };
    const columns = intent.columns.map((column) => resolveColumn(schema, table, column));
    const checked = table.columns.find((column) => column.name !== 'id' && checkKind(column.type) !== undefined);
    const check = intent.check && checked ? { name: schema.name(`${name}_check`), column: checked.name, on: checkKind(checked.type)! } : null;
    let foreignKey: Extract<GeneratedStep, { kind: 'create table' }>['foreignKey'] = null;
    if (intent.foreignKey && schema.tables.length > 0) {
      const references = pick(schema.tables, intent.foreignKey.table).name;
      const column = `${references}_id`;
      table.columns.push({ name: column, type: 'integer', generated: false });
      foreignKey = { name: schema.name(`${name}_fk`), column, references, onDelete: intent.foreignKey.onDelete };
    }
    schema.tables.push(table);
    schema.commentTargets.push({ object: 'TABLE', name });
    for (const column of table.columns) schema.commentTargets.push({ object: 'COLUMN', table: name, column: column.name });
    return [{ kind: 'create table', name, key: intent.key, columns, check, foreignKey }];
  }

  if (intent.kind === 'comment') {
    if (schema.commentTargets.length === 0) return undefined;
    return [{ kind: 'comment', on: pick(schema.commentTargets, intent.target), text: intent.text }];
  }

  if (schema.tables.length === 0) return undefined;
  const table = pick(schema.tables, intent.table);
  switch (intent.kind) {
    case 'add column': {
      const column = resolveColumn(schema, table, intent.column);
      schema.commentTargets.push({ object: 'COLUMN', table: table.name, column: column.name });
      return [{ kind: 'add column', table: table.name, column }];
    }
    case 'index': {
      const name = schema.name(`${table.name}_idx`);
      schema.commentTargets.push({ object: 'INDEX', name });
      const { unique, partial } = intent;
      return [{ kind: 'create index', name, table: table.name, column: pick(table.columns, intent.column).name, unique, partial }];
    }
    case 'view': {
      const name = schema.name(`${table.name}_view`);
      schema.commentTargets.push({ object: 'VIEW', name });
      return [{ kind: 'create view', name, table: table.name, columns: table.columns.slice(0, 1 + intent.columns).map((column) => column.name) }];
    }
    case 'trigger': {
      const fn = schema.name(`${table.name}_touch`);
      const name = schema.name(`${table.name}_trigger`);
      schema.commentTargets.push({ object: 'FUNCTION', name: fn, integerArgument: false }, { object: 'TRIGGER', name, table: table.name });
      const text = table.columns.find((column) => !column.generated && (column.type === 'text' || column.type === 'varchar(40)'));
      const { securityDefiner, pinSearchPath, timing } = intent;
      return [{ kind: 'create trigger', name, function: fn, table: table.name, securityDefiner, pinSearchPath, timing, fills: timing === 'BEFORE' && text ? text.name : null }];
    }
    case 'policy': {
      const name = schema.name(`${table.name}_policy`);
      schema.commentTargets.push({ object: 'POLICY', name, table: table.name });
      const { command, to, restrictive } = intent;
      const column = intent.column === null ? null : pick(table.columns, intent.column).name;
      return [{ kind: 'create policy', name, table: table.name, command, to, restrictive, column }];
    }
  }
}

function resolveColumn(schema: Schema, table: ResolvedTable, intent: ColumnIntent): GeneratedColumn {
  const taken = new Set(table.columns.map((column) => column.name));
  const name = taken.has(intent.word) ? schema.name(intent.word) : intent.word;
  const enumType = intent.type === 'enum' && schema.enums.length > 0 ? schema.enums[intent.pick % schema.enums.length]! : undefined;
  const type: GeneratedColumn['type'] = enumType ? { enum: enumType.name, firstLabel: enumType.labels[0]! } : intent.type === 'enum' ? 'text' : intent.type;
  const generated = intent.generated && typeof type === 'string' && GENERATED_EXPRESSIONS[type] !== undefined;
  let columnDefault: GeneratedColumn['default'] = null;
  if (!generated && intent.default === 'literal') columnDefault = 'literal';
  if (!generated && intent.default === 'sequence' && (type === 'integer' || type === 'bigint') && schema.sequences.length > 0) {
    columnDefault = { sequence: schema.sequences[intent.pick % schema.sequences.length]! };
  }
  table.columns.push({ name, type, generated });
  return { name, type, notNull: intent.notNull, default: columnDefault, generated };
}

function checkKind(type: GeneratedColumn['type']): 'number' | 'text' | undefined {
  if (type === 'integer' || type === 'bigint' || type === 'numeric(10, 2)') return 'number';
  if (type === 'text' || type === 'varchar(40)') return 'text';
  return undefined;
}

function splitIntoMigrations(steps: GeneratedStep[], cuts: number[]): GeneratedMigrationPlan[] {
  const bounds = [0, ...[...cuts].sort((a, b) => a - b), steps.length];
  return bounds.slice(1).map((end, index) => {
    const part = steps.slice(bounds[index], end);
    const first = part[0]!;
    const subject = 'name' in first ? `_${first.name}` : 'table' in first ? `_${first.table}` : '';
    return { name: `${String(index + 1).padStart(3, '0')}_${first.kind.replace(' ', '_')}${subject}`, steps: part };
  });
}

// ---------------------------------------------------------------------------
// Running a step: Kysely's schema builder where it has the statement, `sql`
// with `sql.id`/`sql.lit` otherwise. Fixed SQL fragments only, never raw text.

const LITERAL_DEFAULTS: Record<GeneratedColumnType, RawBuilder<unknown>> = {
  integer: sql`7`,
  bigint: sql`0`,
  text: sql`'none'`,
  'varchar(40)': sql`'x'`,
  boolean: sql`true`,
  'numeric(10, 2)': sql`1.50`,
  timestamptz: sql`now()`,
  date: sql`CURRENT_DATE`,
  jsonb: sql`'{}'::jsonb`,
  uuid: sql`gen_random_uuid()`,
};

const GENERATED_EXPRESSIONS: Partial<Record<GeneratedColumnType, RawBuilder<unknown>>> = {
  integer: sql`(${sql.ref('id')} * 2)`,
  bigint: sql`(${sql.ref('id')}::bigint * 3)`,
  text: sql`('n' || ${sql.ref('id')}::text)`,
  'numeric(10, 2)': sql`(${sql.ref('id')} * 1.5)`,
};

const VOLATILITY: Record<Volatility, RawBuilder<unknown>> = { IMMUTABLE: sql`IMMUTABLE`, STABLE: sql`STABLE`, VOLATILE: sql`VOLATILE` };
const POLICY_COMMANDS: Record<PolicyCommand, RawBuilder<unknown>> = { ALL: sql`ALL`, SELECT: sql`SELECT`, INSERT: sql`INSERT`, UPDATE: sql`UPDATE`, DELETE: sql`DELETE` };

function defineColumn(column: GeneratedColumn): (builder: ColumnDefinitionBuilder) => ColumnDefinitionBuilder {
  return (builder) => {
    let result = column.notNull ? builder.notNull() : builder;
    if (column.generated && typeof column.type === 'string') result = result.generatedAlwaysAs(GENERATED_EXPRESSIONS[column.type]!).stored();
    if (column.default === 'literal') result = result.defaultTo(typeof column.type === 'string' ? LITERAL_DEFAULTS[column.type] : sql.lit(column.type.firstLabel));
    else if (column.default) result = result.defaultTo(sql`nextval(${sql.lit(column.default.sequence)})`);
    return result;
  };
}

const columnType = (column: GeneratedColumn) => (typeof column.type === 'string' ? column.type : sql.id(column.type.enum));

/** `SECURITY DEFINER|INVOKER [SET search_path FROM CURRENT]` */
function functionOptions(securityDefiner: boolean, pinSearchPath: boolean): RawBuilder<unknown> {
  const security = securityDefiner ? sql`SECURITY DEFINER` : sql`SECURITY INVOKER`;
  return pinSearchPath ? sql`${security} SET search_path FROM CURRENT` : security;
}

/** An identifier inside a PL/pgSQL body, which is a string literal: quoted here, the literal escaped by `sql.lit`. */
const bodyIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

async function runStep(db: Kysely<any>, step: GeneratedStep): Promise<void> {
  switch (step.kind) {
    case 'create enum':
      return void (await db.schema.createType(step.name).asEnum(step.labels).execute());
    case 'create sequence':
      return void (await sql`CREATE SEQUENCE ${sql.id(step.name)} START ${sql.lit(step.start)} INCREMENT ${sql.lit(step.increment)}`.execute(db));
    case 'create table': {
      let table = db.schema.createTable(step.name);
      table =
        step.key === 'serial'
          ? table.addColumn('id', 'serial', (col) => col.primaryKey())
          : table.addColumn('id', 'integer', (col) => (step.key === 'identity always' ? col.generatedAlwaysAsIdentity() : col.generatedByDefaultAsIdentity()).primaryKey());
      for (const column of step.columns) table = table.addColumn(column.name, columnType(column), defineColumn(column));
      if (step.check) {
        const checked = sql.ref(step.check.column);
        table = table.addCheckConstraint(step.check.name, step.check.on === 'number' ? sql`${checked} >= 0` : sql`char_length(${checked}) <= 200`);
      }
      if (step.foreignKey) {
        const { name, column, references, onDelete } = step.foreignKey;
        table = table.addColumn(column, 'integer').addForeignKeyConstraint(name, [column], references, ['id'], (fk) => fk.onDelete(onDelete));
      }
      return void (await table.execute());
    }
    case 'add column':
      return void (await db.schema.alterTable(step.table).addColumn(step.column.name, columnType(step.column), defineColumn(step.column)).execute());
    case 'create index': {
      let index = db.schema.createIndex(step.name).on(step.table).column(step.column);
      if (step.unique) index = index.unique();
      if (step.partial) index = index.where(sql.ref(step.column), 'is not', null);
      return void (await index.execute());
    }
    case 'create view':
      return void (await db.schema.createView(step.name).as(db.selectFrom(step.table).select(step.columns)).execute());
    case 'create function': {
      const body = `BEGIN RETURN x + ${step.addend}; END`;
      await sql`CREATE FUNCTION ${sql.id(step.name)}(x integer) RETURNS integer LANGUAGE plpgsql ${VOLATILITY[step.volatility]}
                ${functionOptions(step.securityDefiner, step.pinSearchPath)} AS ${sql.lit(body)}`.execute(db);
      return;
    }
    case 'create trigger': {
      const fills = step.fills && bodyIdentifier(step.fills);
      const body = fills ? `BEGIN NEW.${fills} := coalesce(NEW.${fills}, 'filled'); RETURN NEW; END` : `BEGIN RETURN ${step.timing === 'BEFORE' ? 'NEW' : 'NULL'}; END`;
      await sql`CREATE FUNCTION ${sql.id(step.function)}() RETURNS trigger LANGUAGE plpgsql
                ${functionOptions(step.securityDefiner, step.pinSearchPath)} AS ${sql.lit(body)}`.execute(db);
      const timing = step.timing === 'BEFORE' ? sql`BEFORE` : sql`AFTER`;
      await sql`CREATE TRIGGER ${sql.id(step.name)} ${timing} INSERT OR UPDATE ON ${sql.id(step.table)}
                FOR EACH ROW EXECUTE FUNCTION ${sql.id(step.function)}()`.execute(db);
      return;
    }
    case 'comment':
      return void (await sql`COMMENT ON ${commentTarget(step.on)} IS ${sql.lit(step.text)}`.execute(db));
    case 'create policy': {
      const { name, table, command, to, restrictive, column } = step;
      const condition = column ? sql`(${sql.ref(column)} IS NOT NULL)` : sql`(true)`;
      const using = command === 'INSERT' ? sql`` : sql`USING ${condition}`;
      const check = command === 'ALL' || command === 'INSERT' || command === 'UPDATE' ? sql`WITH CHECK ${condition}` : sql``;
      await sql`ALTER TABLE ${sql.id(table)} ENABLE ROW LEVEL SECURITY`.execute(db);
      await sql`CREATE POLICY ${sql.id(name)} ON ${sql.id(table)} AS ${restrictive ? sql`RESTRICTIVE` : sql`PERMISSIVE`}
                FOR ${POLICY_COMMANDS[command]} TO ${to === 'PUBLIC' ? sql`PUBLIC` : sql`CURRENT_USER`} ${using} ${check}`.execute(db);
      return;
    }
  }
}

function commentTarget(target: GeneratedCommentTarget): RawBuilder<unknown> {
  switch (target.object) {
    case 'TABLE':
      return sql`TABLE ${sql.id(target.name)}`;
    case 'VIEW':
      return sql`VIEW ${sql.id(target.name)}`;
    case 'TYPE':
      return sql`TYPE ${sql.id(target.name)}`;
    case 'SEQUENCE':
      return sql`SEQUENCE ${sql.id(target.name)}`;
    case 'INDEX':
      return sql`INDEX ${sql.id(target.name)}`;
    case 'COLUMN':
      return sql`COLUMN ${sql.id(target.table, target.column)}`;
    case 'FUNCTION':
      return target.integerArgument ? sql`FUNCTION ${sql.id(target.name)}(integer)` : sql`FUNCTION ${sql.id(target.name)}()`;
    case 'TRIGGER':
      return sql`TRIGGER ${sql.id(target.name)} ON ${sql.id(target.table)}`;
    case 'POLICY':
      return sql`POLICY ${sql.id(target.name)} ON ${sql.id(target.table)}`;
  }
}

const REDACTED = '[redacted]';
const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * A login's secrets, as the credentials Tenantry hands out hold them: the
 * password and the connection string are read-only accessors over private
 * fields, readable as usual but not own properties, so a spread,
 * `Object.keys` and `Object.entries` leave them out (and TypeScript's type of
 * a spread leaves them out too). `util.inspect`, `console.log`,
 * `JSON.stringify` and `String()` show them redacted.
 */
export abstract class LoginSecrets {
  readonly #password: string;
  readonly #connectionString: string;

  protected constructor(secrets: { password: string; connectionString: string }) {
    this.#password = secrets.password;
    this.#connectionString = secrets.connectionString;
  }

  /** The login's password. Not an own property: a spread or `Object.keys` leaves it out. */
  get password(): string {
    return this.#password;
  }

  /** A URL to connect with, its password in it. Not an own property: a spread or `Object.keys` leaves it out. */
  get connectionString(): string {
    return this.#connectionString;
  }

  /** The class's name in printed forms (an accessor: an own field would show in a spread). */
  protected abstract get printedName(): string;

  /** What may be shown of the object: every field but the secrets. */
  protected abstract shownFields(): Record<string, unknown>;

  /** The redacted form; use the properties themselves to get the secrets. */
  toJSON(): Record<string, unknown> {
    return { ...this.shownFields(), password: REDACTED, connectionString: REDACTED };
  }

  [inspectSymbol](): string {
    return `${this.printedName} ${JSON.stringify(this.toJSON())}`;
  }

  toString(): string {
    return this[inspectSymbol]();
  }
}

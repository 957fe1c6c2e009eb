const REDACTED = '[redacted]';
const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * What `createTenant` returns: the seed's `TenantCredentials`.
 *
 * `password` and `connectionString` are readable as usual, but they are not
 * enumerable and are redacted in `util.inspect`, `console.log` and
 * `JSON.stringify`, so logging the object does not leak them. Read them
 * explicitly where you store them.
 */
export class TenantCredentials {
  readonly username: string;
  readonly schemaName: string;
  declare readonly password: string;
  declare readonly connectionString: string;

  constructor(fields: { username: string; schemaName: string; password: string; connectionString: string }) {
    this.username = fields.username;
    this.schemaName = fields.schemaName;
    Object.defineProperty(this, 'password', { value: fields.password, enumerable: false });
    Object.defineProperty(this, 'connectionString', { value: fields.connectionString, enumerable: false });
    Object.freeze(this);
  }

  /** The redacted form; use the properties themselves to get the secrets. */
  toJSON(): Record<string, string> {
    return { username: this.username, schemaName: this.schemaName, password: REDACTED, connectionString: REDACTED };
  }

  [inspectSymbol](): string {
    return `TenantCredentials ${JSON.stringify(this.toJSON())}`;
  }

  toString(): string {
    return this[inspectSymbol]();
  }
}

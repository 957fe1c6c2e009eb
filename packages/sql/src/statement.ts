const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * One SQL statement of a plan.
 *
 * `text` is the printable form, with any secret (a SCRAM verifier) replaced by
 * a placeholder; it is what dry runs show and what is safe to log. `sql` is
 * what runs. It lives in a private field, so `util.inspect`,
 * `JSON.stringify` and spreading show only the printable form.
 */
export class Statement {
  /** Why this statement is in the plan, in a few words. */
  readonly purpose: string;
  /** The statement as it may be shown, secrets redacted. */
  readonly text: string;
  readonly #sql: string;

  constructor(purpose: string, sql: string, text: string = sql) {
    this.purpose = purpose;
    this.#sql = sql;
    this.text = text;
    Object.freeze(this);
  }

  /** The statement as it runs. WARNING: may contain a password verifier; never log it. */
  get sql(): string {
    return this.#sql;
  }

  /** True when `sql` differs from the printable `text`, i.e. it holds a secret. */
  get hasSecret(): boolean {
    return this.#sql !== this.text;
  }

  toJSON(): { purpose: string; text: string } {
    return { purpose: this.purpose, text: this.text };
  }

  [inspectSymbol](): string {
    return `Statement ${JSON.stringify(this.toJSON())}`;
  }
}

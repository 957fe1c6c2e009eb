import { describe, expect, it } from 'vitest';
import { dropOwnedElsewhereStatements } from './postgres-drop-owned-elsewhere-statements.js';
import { describeRoleDependenciesQuery, roleDependenciesElsewhereQuery } from './postgres-role-dependency-queries.js';

describe('dropOwnedElsewhereStatements', () => {
  it('as superuser: ends the sessions, then DROP OWNED BY, each purpose naming the database', () => {
    const statements = dropOwnedElsewhereStatements({ username: 'acme "user"', database: 'postgres' }, true);
    expect(statements.map((s) => s.text)).toEqual([
      'SET LOCAL search_path = pg_catalog, pg_temp',
      expect.stringMatching(/^SELECT pg_catalog\.pg_terminate_backend\(a\.pid, 5000\) .* WHERE r\.rolname = 'acme "user"' /),
      'DROP OWNED BY "acme ""user"""',
    ]);
    for (const statement of statements) expect(statement.purpose).toMatch(/^in database "postgres" \(connected there, in a transaction of its own\): /);
  });

  it('as a non-superuser admin: borrows the role and gives it back before COMMIT', () => {
    const texts = (roleGrantOptions: boolean) =>
      dropOwnedElsewhereStatements({ username: 'acme', database: 'reports', nonSuperuserAdmin: 'cloud admin' }, roleGrantOptions).map((s) => s.text);
    expect(texts(true)).toEqual([
      'SET LOCAL search_path = pg_catalog, pg_temp',
      'GRANT "acme" TO "cloud admin" WITH INHERIT TRUE, SET FALSE',
      expect.stringMatching(/^SELECT pg_catalog\.pg_terminate_backend/),
      'DROP OWNED BY "acme"',
      'REVOKE "acme" FROM "cloud admin"',
    ]);
    expect(texts(false)[1]).toBe('GRANT "acme" TO "cloud admin"');
  });

  it('keeps a database name with a newline or quote inside one printable purpose', () => {
    const [first] = dropOwnedElsewhereStatements({ username: 'acme', database: 'odd\n"db' }, true);
    expect(first!.purpose).toContain('in database "odd\\n\\"db"');
    expect(first!.purpose).not.toContain('\n');
  });
});

describe('role dependency queries', () => {
  it('bind the role name as a parameter', () => {
    const name = `x' OR true --`;
    for (const query of [roleDependenciesElsewhereQuery(name), describeRoleDependenciesQuery(name, 10)]) {
      expect(query.parameters).toContain(name);
      expect(query.sql).not.toContain('OR true');
    }
  });
});

import { describe, expect, it } from 'vitest';
import { json, loginAs, uniqueName, urlFor, useCliDatabase } from '../test-support/cli.js';

interface CredentialsJson {
  schemaName: string;
  username: string;
  password: string;
  connectionString: string;
}

describe('rename', () => {
  const db = useCliDatabase();

  it('renames schema and login; the same password logs in under the new name; the connection string has no password', async () => {
    const { run, database } = db();
    const schema = uniqueName('t_ren');
    const user = uniqueName('u_ren');
    const created = json<CredentialsJson>(await run(['create', '--schema', schema, '--username', user, '--json']));
    const newSchema = uniqueName('t_ren_new');
    const newUser = uniqueName('u_ren_new');

    const renamed = await run(['rename', '--schema', schema, '--username', user, '--new-schema', newSchema, '--new-username', newUser, '--json']);

    expect(renamed.code, renamed.stderr).toBe(0);
    const document = json<{ schemaName: string; username: string; previous: unknown; connectionString: string }>(renamed);
    expect(document).toMatchObject({ schemaName: newSchema, username: newUser, previous: { schemaName: schema, username: user } });
    expect(new URL(document.connectionString).password).toBe('');
    expect(await loginAs(urlFor(database.url, newUser, created.password))).toEqual({ user: newUser, schema: newSchema });
    const list = json<{ tenants: { schemaName: string }[] }>(await run(['list', '--json']));
    expect(list.tenants.map((tenant) => tenant.schemaName)).toContain(newSchema);
    expect(list.tenants.map((tenant) => tenant.schemaName)).not.toContain(schema);

    const human = await run(['rename', '--schema', newSchema, '--username', newUser, '--new-username', user]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('Renamed tenant');
    expect(human.stderr).toContain('rotate-password');
  });

  it('nothing to rename, or a bad new name, is a usage error (exit 2); a taken name exits 1', async () => {
    const { run } = db();
    expect((await run(['rename', '--schema', 'a_s', '--username', 'a_u'])).code).toBe(2);
    expect((await run(['rename', '--schema', 'a_s', '--username', 'a_u', '--new-schema', 'pg_bad'])).code).toBe(2);
    const a = json<CredentialsJson>(await run(['create', '--schema', uniqueName('t_a'), '--username', uniqueName('u_a'), '--json']));
    const b = json<CredentialsJson>(await run(['create', '--schema', uniqueName('t_b'), '--username', uniqueName('u_b'), '--json']));
    const taken = await run(['rename', '--schema', a.schemaName, '--username', a.username, '--new-schema', b.schemaName]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(`"${b.schemaName}" already exists`);
  });
});

describe('doctor', () => {
  const db = useCliDatabase();

  it('reports a leftover (exit 1) and repairs it with --repair', async () => {
    const { run, superuser } = db();
    const created = json<CredentialsJson>(await run(['create', '--schema', uniqueName('t_doc'), '--username', uniqueName('u_doc'), '--json']));
    await superuser.query(`DROP SCHEMA "${created.schemaName}" CASCADE`);

    const found = await run(['doctor', '--json']);
    expect(found.code).toBe(1);
    const report = json<{ findings: { kind: string; objectName: string; repaired: boolean }[]; scope: string }>(found);
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'role-without-schema', objectName: created.username, repaired: false }));
    const human = await run(['doctor']);
    expect(human.stdout).toContain(`role-without-schema: role ${created.username}`);
    expect(human.stderr).toContain('--repair');

    const repaired = await run(['doctor', '--repair', '--json']);
    expect(json<{ findings: { objectName: string; repaired: boolean }[] }>(repaired).findings).toContainEqual(expect.objectContaining({ objectName: created.username, repaired: true }));
    const after = await run(['doctor', '--json']);
    expect(json<{ findings: { objectName: string }[] }>(after).findings.map((finding) => finding.objectName)).not.toContain(created.username);
  });
});

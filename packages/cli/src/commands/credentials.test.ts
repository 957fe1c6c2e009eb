import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { json, loginAs, loginRefused, uniqueName, useCliDatabase } from '../test-support/cli.js';

interface IssuedJson {
  username: string;
  schemaName: string;
  tenantUsername: string;
  expiresAt: string;
  password: string;
  connectionString: string;
}

describe('tenantry credentials, suspend and resume', () => {
  const db = useCliDatabase();

  async function newTenant(run: ReturnType<typeof db>['run']) {
    const schema = uniqueName('t_cli_cred');
    const user = uniqueName('u_cli_cred');
    const created = await run(['create', '--schema', schema, '--username', user, '--json']);
    expect(created.code, created.stderr).toBe(0);
    return { schema, user, tenant: json<{ connectionString: string }>(created) };
  }

  it('issues a credential that acts as the tenant, lists it, revokes it', async () => {
    const { run } = db();
    const { schema, user } = await newTenant(run);
    const before = Date.now();
    const issued = await run(['credentials', 'issue', '--schema', schema, '--username', user, '--ttl', '15m', '--json']);
    expect(issued.code, issued.stderr).toBe(0);
    const credential = json<IssuedJson>(issued);
    expect(credential).toMatchObject({ schemaName: schema, tenantUsername: user });
    expect(credential.username).toMatch(/^tenantry_cred_[a-z0-9]{20}$/);
    expect(new Date(credential.expiresAt).getTime()).toBeGreaterThanOrEqual(before + 15 * 60_000);
    expect(await loginAs(credential.connectionString)).toEqual({ user, schema });

    const human = await run(['credentials', 'issue', '--schema', schema, '--username', user]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/password +[A-Za-z0-9]{32}\n/);
    expect(human.stdout).toContain('shown this once');

    const listed = await run(['credentials', 'list', '--schema', schema, '--username', user, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const names = json<{ credentials: { name: string; expired: boolean }[] }>(listed).credentials.map((c) => c.name);
    expect(names).toHaveLength(2);
    expect(names).toContain(credential.username);
    expect(listed.stdout).not.toContain(credential.password);
    const table = await run(['credentials', 'list', '--schema', schema, '--username', user]);
    expect(table.stdout).toMatch(/^CREDENTIAL +SCHEMA +CREATED +EXPIRES +STATE\n/);

    const revoked = await run(['credentials', 'revoke', '--schema', schema, '--username', user, '--credential', credential.username]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(await loginRefused(credential.connectionString)).toBe(true);
    const again = await run(['credentials', 'revoke', '--schema', schema, '--username', user, '--credential', credential.username, '--json']);
    expect(again.code).toBe(1);
    expect(json<{ error: { code: string } }>(again).error.code).toBe('TENANT_NOT_FOUND');
  });

  it('sweeps expired credentials and reports them', async () => {
    const { run, superuser } = db();
    const { schema, user } = await newTenant(run);
    const credential = json<IssuedJson>(await run(['credentials', 'issue', '--schema', schema, '--username', user, '--json']));
    await superuser.query(`ALTER ROLE ${pg.escapeIdentifier(credential.username)} VALID UNTIL '2000-01-01'`);
    const swept = await run(['credentials', 'sweep', '--json']);
    expect(swept.code, swept.stderr).toBe(0);
    expect(json<{ swept: { name: string; dropped: boolean }[] }>(swept).swept).toContainEqual(expect.objectContaining({ name: credential.username, dropped: true }));
    expect((await superuser.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [credential.username])).rowCount).toBe(0);
    const nothing = await run(['credentials', 'sweep']);
    expect(nothing.stdout).toContain('No expired credentials.');
  });

  it('refuses bad input as usage errors (exit 2), before connecting', async () => {
    const { run } = db();
    for (const args of [
      ['credentials'],
      ['credentials', 'renew', '--schema', 's', '--username', 'u'],
      ['credentials', 'issue', '--schema', 's'],
      ['credentials', 'issue', '--schema', 's', '--username', 'u', '--ttl', '0'],
      ['credentials', 'issue', '--schema', 's', '--username', 'u', '--ttl', '366d'],
      ['credentials', 'issue', '--schema', 's', '--username', 'u', '--ttl', '1w'],
      ['credentials', 'revoke', '--schema', 's', '--username', 'u'],
      ['credentials', 'sweep', '--schema', 's'],
      ['credentials', 'list', '--schema', 's', '--username', 'u', '--ttl', '1h'],
      ['suspend', '--schema', 's'],
    ]) {
      const result = await run(args, { env: { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' } });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
    }
  });

  it('suspend shows in list, show and verify, refuses logins and credentials; resume lets the tenant in again', async () => {
    const { run } = db();
    const { schema, user, tenant } = await newTenant(run);
    const suspended = await run(['suspend', '--schema', schema, '--username', user, '--json']);
    expect(suspended.code, suspended.stderr).toBe(0);
    expect(json<{ suspended: { by: string; since: string } | null }>(suspended).suspended).toMatchObject({ by: expect.any(String), since: expect.any(String) });
    await expect(loginAs(tenant.connectionString)).rejects.toMatchObject({ code: '28000' });

    const list = await run(['list']);
    expect(list.stdout).toMatch(new RegExp(`${schema} +${user} +\\S+ +suspended`));
    const show = await run(['show', schema]);
    expect(show.stdout).toMatch(/suspended +since /);
    const showJson = json<{ suspended?: { by: string } }>(await run(['show', schema, '--json']));
    expect(showJson.suspended?.by).toEqual(expect.any(String));
    const verify = await run(['verify', schema]);
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.stdout).toContain('Suspended since');

    const refused = await run(['credentials', 'issue', '--schema', schema, '--username', user]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is suspended');

    const resumed = await run(['resume', '--schema', schema, '--username', user]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await loginAs(tenant.connectionString)).toEqual({ user, schema });
    expect((await run(['list'])).stdout).toMatch(new RegExp(`${schema} +${user} +\\S+ +ok`));
  });

  it('has --help for each, and completes the credentials actions', async () => {
    const { run } = db();
    for (const command of ['credentials', 'suspend', 'resume']) {
      const help = await run([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`tenantry ${command}`);
    }
    const bash = await run(['completion', 'bash']);
    expect(bash.stdout).toContain('issue revoke list sweep');
    expect(bash.stdout).toMatch(/suspend/);
  });
});

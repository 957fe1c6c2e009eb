import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'pg-connection-string';
import { afterAll, describe, expect, it } from 'vitest';
import { formatConnectionString, tenantConnectionString } from './connection-string.js';
import { ValidationError } from './errors/validation-error.js';
import { tenantTlsParameters, type PgSslSetting } from './tenant-tls.js';

const directory = mkdtempSync(join(tmpdir(), 'tenantry-tls-'));
const caPath = join(directory, 'db ca.pem');
writeFileSync(caPath, '-----BEGIN CERTIFICATE-----\nnot a real one\n-----END CERTIFICATE-----\n');
const caText = readFileSync(caPath, 'utf8');
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('tenantTlsParameters', () => {
  it.each<[string, PgSslSetting, Record<string, string>]>([
    ['no TLS', false, {}],
    ['ssl unset', undefined, {}],
    ['ssl: true (pg verifies chain and host name)', true, { sslmode: 'verify-full' }],
    ['an empty ssl object', {}, { sslmode: 'verify-full' }],
    ['rejectUnauthorized: true', { rejectUnauthorized: true }, { sslmode: 'verify-full' }],
    ['rejectUnauthorized: false', { rejectUnauthorized: false }, { sslmode: 'require' }],
    ["pg's 'no-verify'", 'no-verify', { sslmode: 'require' }],
    ['a custom checkServerIdentity', { checkServerIdentity: () => undefined }, { sslmode: 'verify-ca' }],
    ['an unverified connection with a ca (the ca does not matter)', { rejectUnauthorized: false, ca: caText }, { sslmode: 'require' }],
  ])('%s', (_, ssl, expected) => {
    expect(tenantTlsParameters(ssl)).toEqual(expected);
  });

  it("names the root certificate file given for the admin's ca, and drops the admin's client certificate", () => {
    const ssl = { ca: caText, cert: 'ADMIN CERT', key: 'ADMIN KEY', passphrase: 'k3y' };
    expect(tenantTlsParameters(ssl, { sslrootcert: caPath })).toEqual({ sslmode: 'verify-full', sslrootcert: caPath });
    expect(tenantTlsParameters({ ca: [caText], checkServerIdentity: () => undefined }, { sslrootcert: caPath })).toEqual({
      sslmode: 'verify-ca',
      sslrootcert: caPath,
    });
  });

  it("refuses a ca given as text without the file's path, and says how to give it", () => {
    for (const ca of [caText, Buffer.from(caText), [caText]]) {
      const attempt = () => tenantTlsParameters({ ca });
      expect(attempt).toThrow(ValidationError);
      expect(attempt).toThrow(/tenantConnection: \{ sslrootcert: /);
    }
  });

  it('refuses a root certificate path for a connection without TLS, and a path that is not a string', () => {
    expect(() => tenantTlsParameters(false, { sslrootcert: caPath })).toThrow(/does not use TLS/);
    expect(() => tenantTlsParameters(true, { sslrootcert: '' })).toThrow(ValidationError);
    expect(() => tenantTlsParameters(true, { sslrootcert: 42 as unknown as string })).toThrow(ValidationError);
  });

  it('a tenant string from a verify-full admin pool config still says verify-full and names the same root cert', () => {
    const params = tenantTlsParameters({ rejectUnauthorized: true, ca: caText }, { sslrootcert: caPath });
    const url = formatConnectionString({ host: 'db.example.com', port: 5432, database: 'app', user: 'acme', password: 'p&w', params });
    const parsed = parse(url);
    expect(parsed.sslmode).toBe('verify-full');
    expect(parsed.sslrootcert).toBe(caPath);
    // What pg makes of it: the admin's CA, and no relaxed check.
    expect(parsed.ssl).toEqual({ ca: caText });
    expect(parsed.password).toBe('p&w');
  });

  it('a pool config whose URL says nothing about TLS passes its ssl settings to the tenant through the URL', () => {
    const url = tenantConnectionString('postgresql://admin:pw@db/app', { username: 'acme', password: 'pw' }, tenantTlsParameters({ ca: caText }, { sslrootcert: caPath }));
    expect(parse(url).sslmode).toBe('verify-full');
    expect(parse(url).sslrootcert).toBe(caPath);
  });
});

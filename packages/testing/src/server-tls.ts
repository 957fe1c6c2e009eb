/**
 * Turns TLS on in the running test server for a while: a throwaway CA and a
 * server certificate for 127.0.0.1 and localhost, made with `openssl`, set
 * with ALTER SYSTEM and a configuration reload (PostgreSQL reloads its TLS
 * settings without a restart). Connections without TLS keep working.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { withClient } from './with-client.js';

export interface ServerTls {
  /** The root certificate that signed the server's certificate. */
  caPath: string;
  caText: string;
  /** A root certificate that did not sign it: verification against it must fail. */
  strangerCaPath: string;
  /** Turns TLS off again and deletes the files. */
  restore(): Promise<void>;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(directory: string, name: string): void {
  openssl(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`],
    directory,
  );
}

export async function enableServerTls(superuserUrl: string): Promise<ServerTls> {
  const directory = mkdtempSync(join(tmpdir(), 'tenantry-tls-'));
  chmodSync(directory, 0o755); // the server runs as another OS user when the tests run as root
  makeCa(directory, 'tenantry-test-ca');
  makeCa(directory, 'stranger-ca');
  writeFileSync(join(directory, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr'], directory);
  openssl(
    ['x509', '-req', '-in', 'server.csr', '-CA', 'tenantry-test-ca.crt', '-CAkey', 'tenantry-test-ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.crt'],
    directory,
  );
  const keyPath = join(directory, 'server.key');
  const certPath = join(directory, 'server.crt');
  await withClient(superuserUrl, async (client) => {
    // The key must belong to the server's OS user, mode 0600, or the server refuses it.
    const dataDirectory = (await client.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory;
    const owner = statSync(dataDirectory);
    if (process.getuid?.() === 0) {
      chownSync(keyPath, owner.uid, owner.gid);
      chownSync(certPath, owner.uid, owner.gid);
    }
    chmodSync(keyPath, 0o600);
    chmodSync(certPath, 0o644);
    await client.query(`ALTER SYSTEM SET ssl_cert_file = ${pg.escapeLiteral(certPath)}`);
    await client.query(`ALTER SYSTEM SET ssl_key_file = ${pg.escapeLiteral(keyPath)}`);
    await client.query('ALTER SYSTEM SET ssl = on');
    await client.query('SELECT pg_reload_conf()');
  });
  const caPath = join(directory, 'tenantry-test-ca.crt');
  const caText = readFileSync(caPath, 'utf8');
  await waitForTls(superuserUrl, caText);
  return {
    caPath,
    caText,
    strangerCaPath: join(directory, 'stranger-ca.crt'),
    restore: async () => {
      await withClient(superuserUrl, async (client) => {
        await client.query('ALTER SYSTEM RESET ssl');
        await client.query('ALTER SYSTEM RESET ssl_cert_file');
        await client.query('ALTER SYSTEM RESET ssl_key_file');
        await client.query('SELECT pg_reload_conf()');
      });
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The postmaster applies a reload asynchronously: new sessions see TLS a moment later. */
async function waitForTls(superuserUrl: string, caText: string): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const client = new pg.Client({ connectionString: superuserUrl, ssl: { ca: caText } });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(`the server did not start TLS after a reload (see its log): ${String(lastError)}`);
}

/**
 * Turns TLS on in the running test server for a while: a throwaway CA and a
 * server certificate for 127.0.0.1 and localhost, made with `openssl`. The
 * server's certificate and key are written by the server itself, into its
 * data directory (COPY ... TO PROGRAM with umask 077: the key must belong to
 * the server's OS user with mode 0600, and plain COPY TO makes files 0644),
 * so this works wherever the server runs; then set with ALTER SYSTEM and a
 * configuration reload (PostgreSQL reloads its TLS settings without a
 * restart). Connections without TLS keep working. Needs a superuser.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { uniqueName } from './unique-name.js';
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
  makeCa(directory, 'tenantry-test-ca');
  makeCa(directory, 'stranger-ca');
  writeFileSync(join(directory, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr'], directory);
  openssl(
    ['x509', '-req', '-in', 'server.csr', '-CA', 'tenantry-test-ca.crt', '-CAkey', 'tenantry-test-ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.crt'],
    directory,
  );
  const name = uniqueName('tenantry_test_tls');
  let serverFiles: string[] = [];
  await withClient(superuserUrl, async (client) => {
    const dataDirectory = (await client.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory;
    const serverPath = (extension: string) => `${dataDirectory}/${name}.${extension}`;
    serverFiles = [serverPath('crt'), serverPath('key')];
    for (const extension of ['crt', 'key']) {
      // One row per PEM line (base64 and dashes: nothing COPY's text format escapes).
      const lines = readFileSync(join(directory, `server.${extension}`), 'utf8').trimEnd().split('\n');
      const values = lines.map((line) => pg.escapeLiteral(line)).join(', ');
      const program = `umask 077 && cat > ${shellQuote(serverPath(extension))}`;
      await client.query(`COPY (SELECT line FROM unnest(ARRAY[${values}]) WITH ORDINALITY AS pem(line, n) ORDER BY n) TO PROGRAM ${pg.escapeLiteral(program)}`);
    }
    await client.query(`ALTER SYSTEM SET ssl_cert_file = ${pg.escapeLiteral(serverPath('crt'))}`);
    await client.query(`ALTER SYSTEM SET ssl_key_file = ${pg.escapeLiteral(serverPath('key'))}`);
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
        const remove = `rm -f ${serverFiles.map(shellQuote).join(' ')}`;
        await client.query(`COPY (SELECT 1 WHERE false) TO PROGRAM ${pg.escapeLiteral(remove)}`);
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

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

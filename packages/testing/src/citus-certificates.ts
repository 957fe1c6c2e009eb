import { execFile } from 'node:child_process';
import { chmod, chown, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** A certificate and its private key. */
export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** The TLS material of one Citus test cluster. */
export interface CitusCertificates {
  /** The throwaway root certificate that signed all the others (its key is deleted once they are signed). */
  readonly caFile: string;
  /** One server certificate per node, for `127.0.0.1` and `localhost`, by node name. */
  readonly servers: ReadonlyMap<string, CertificateFiles>;
  /** The one client certificate the cluster's nodes present to each other (`citus.node_conninfo`). */
  readonly node: CertificateFiles;
}

/** Common name of the nodes' client certificate (the pg_hba line checks the chain, not the name). */
export const CITUS_NODE_CERTIFICATE_CN = 'tenantry-citus-node';

/**
 * Makes, with `openssl`, in `directory`: a throwaway CA, a server certificate
 * for each of `nodeNames`, and one client certificate for the nodes. Every
 * file ends up mode 0600 and, when `owner` is given, owned by it: PostgreSQL
 * refuses a server key others can read, and libpq a client key.
 */
export async function makeCitusCertificates(
  directory: string,
  nodeNames: readonly string[],
  owner?: { readonly uid: number; readonly gid: number },
): Promise<CitusCertificates> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(directory, ['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=tenantry-citus-test-ca', '-keyout', 'ca.key', '-out', 'ca.crt']);
  await writeFile(join(directory, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  const sign = async (name: string, subject: string, extensions: string[]): Promise<CertificateFiles> => {
    await openssl(directory, ['req', ...ec, '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    await openssl(directory, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', ...extensions, '-out', `${name}.crt`]);
    await rm(join(directory, `${name}.csr`));
    return { certFile: join(directory, `${name}.crt`), keyFile: join(directory, `${name}.key`) };
  };
  const servers = new Map<string, CertificateFiles>();
  for (const name of nodeNames) servers.set(name, await sign(`server-${name}`, '/CN=localhost', ['-extfile', 'server.ext']));
  const node = await sign('node-client', `/CN=${CITUS_NODE_CERTIFICATE_CN}`, []);
  // Nothing more is signed: no one can make another certificate these servers trust.
  await Promise.all(['ca.key', 'ca.srl', 'server.ext'].map((file) => rm(join(directory, file), { force: true })));
  const files = [join(directory, 'ca.crt'), ...[...servers.values(), node].flatMap((pair) => [pair.certFile, pair.keyFile])];
  for (const file of files) {
    await chmod(file, 0o600);
    if (owner) await chown(file, owner.uid, owner.gid);
  }
  return { caFile: join(directory, 'ca.crt'), servers, node };
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`openssl ${args[0]} failed${stderr ? `: ${stderr}` : ''}`, { cause: error });
  }
}

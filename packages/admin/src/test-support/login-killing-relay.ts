/**
 * A TCP relay on loopback in front of a real PostgreSQL server that ends every
 * session the instant it becomes ready: it forwards the login untouched, then
 * delivers the server's first ReadyForQuery and, in the same write, a FATAL
 * ErrorResponse 57P01 (what `pg_terminate_backend` or a fast shutdown sends),
 * and closes the connection.
 *
 * Both messages arrive in one read, so `pg` handles the error synchronously
 * right after it reported the connection ready: inside the window where
 * pg-pool has already dropped its own 'error' listener and the caller has not
 * yet added one. Killing backends from another session hits that window only
 * by luck; the relay hits it every time.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** What `pg` receives after the login: FATAL 57P01, as the server words it. */
export const TERMINATION_MESSAGE = 'terminating connection due to administrator command';

/** Which sessions to end, judged by the client's startup parameters (`user`, `database`, `application_name`). */
export type KillFilter = (startup: Readonly<Record<string, string>>) => boolean;

export class LoginKillingRelay {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  /** Sessions that reached ReadyForQuery and were ended. */
  killed = 0;
  port = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    private readonly shouldKill: KillFilter,
  ) {
    this.#server = createServer((client) => this.#accept(client));
  }

  /**
   * Starts a relay in front of the server of `url` that ends the sessions
   * `shouldKill` picks (default: all); `url()` gives a URL through the relay.
   */
  static async start(url: string, shouldKill: KillFilter = () => true): Promise<LoginKillingRelay> {
    const target = new URL(url);
    const relay = new LoginKillingRelay(target.hostname, Number(target.port || 5432), shouldKill);
    await new Promise<void>((resolve) => relay.#server.listen(0, '127.0.0.1', resolve));
    relay.port = (relay.#server.address() as { port: number }).port;
    return relay;
  }

  /** `url` with its host and port replaced by the relay's. */
  url(url: string): string {
    const through = new URL(url);
    through.hostname = '127.0.0.1';
    through.port = String(this.port);
    return through.toString();
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    const server = connect(this.targetPort, this.targetHost);
    for (const socket of [client, server]) {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        server.destroy();
      });
    }
    // Client to server: forwarded as is; the first message (no SSLRequest: pg
    // without TLS sends none) is the StartupMessage, read to decide the kill.
    let startup: Buffer | undefined = Buffer.alloc(0);
    let kill: boolean | undefined;
    client.on('data', (chunk: Buffer) => {
      server.write(chunk);
      if (startup === undefined) return;
      startup = Buffer.concat([startup, chunk]);
      if (startup.length >= 4 && startup.length >= startup.readInt32BE(0)) {
        kill = this.shouldKill(startupParameters(startup.subarray(8, startup.readInt32BE(0))));
        startup = undefined;
      }
    });
    client.on('end', () => server.end());
    server.on('end', () => client.end());
    // Server to client: whole backend messages (type byte, int32 length). The
    // server answers only after reading the StartupMessage, so `kill` is known.
    let pending = Buffer.alloc(0);
    let done = false;
    server.on('data', (chunk: Buffer) => {
      if (done) return;
      if (kill !== true) {
        client.write(chunk);
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      let offset = 0;
      while (pending.length - offset >= 5) {
        const length = pending.readInt32BE(offset + 1);
        if (pending.length - offset < 1 + length) break;
        const type = String.fromCharCode(pending[offset]!);
        offset += 1 + length;
        if (type === 'Z') {
          done = true;
          this.killed += 1;
          client.end(Buffer.concat([pending.subarray(0, offset), fatalTermination()]));
          server.destroy(); // the backend exits when its client goes away
          return;
        }
      }
      if (offset > 0) client.write(pending.subarray(0, offset));
      pending = pending.subarray(offset);
    });
  }
}

/** The StartupMessage's parameters: NUL-terminated names and values, ending with an empty name. */
function startupParameters(body: Buffer): Record<string, string> {
  const strings = body.toString('utf8').split('\0');
  const parameters: Record<string, string> = {};
  for (let i = 0; i + 1 < strings.length && strings[i] !== ''; i += 2) parameters[strings[i]!] = strings[i + 1]!;
  return parameters;
}

/** ErrorResponse: severity FATAL, SQLSTATE 57P01 (admin_shutdown), PostgreSQL's message. */
function fatalTermination(): Buffer {
  const fields = Buffer.concat(
    [
      ['S', 'FATAL'],
      ['V', 'FATAL'],
      ['C', '57P01'],
      ['M', TERMINATION_MESSAGE],
    ]
      .map(([code, value]) => Buffer.from(`${code}${value}\0`, 'utf8'))
      .concat(Buffer.from([0])),
  );
  const header = Buffer.alloc(5);
  header.write('E', 0, 'latin1');
  header.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([header, fields]);
}

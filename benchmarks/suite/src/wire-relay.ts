/**
 * A TCP relay on loopback between a PostgreSQL client and the server. It can
 * (a) count the protocol messages the client sends, to count round trips on
 * the wire instead of assuming them, and (b) hold every chunk for a fixed
 * delay in each direction, to emulate a network link where the kernel has no
 * netem (see BENCHMARKS.md). Chunks keep their order; a chunk is released at
 * the first timer tick at or after arrival + delay, so the added delay is at
 * least `delayMs` (measured and reported by the suite).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface RelayOptions {
  targetHost: string;
  targetPort: number;
  /** One-way delay added to every chunk, each direction, ms. 0: forward at once. */
  delayMs?: number;
  /** Parse the client's side of the protocol and count messages by type. */
  countMessages?: boolean;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** Counts frontend messages by type letter ('Q' simple query, 'P' parse, 'S' sync, ...). */
export class FrontendMessageCounter {
  #buffer: Buffer = Buffer.alloc(0);
  #startup = true;
  constructor(private readonly counts: Map<string, number>) {}

  push(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      if (this.#startup) {
        if (this.#buffer.length < 8) return;
        const length = this.#buffer.readInt32BE(0);
        if (this.#buffer.length < length) return;
        const code = this.#buffer.readInt32BE(4);
        this.#buffer = this.#buffer.subarray(length);
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) this.#startup = false;
        continue;
      }
      if (this.#buffer.length < 5) return;
      const length = this.#buffer.readInt32BE(1);
      if (this.#buffer.length < 1 + length) return;
      const type = String.fromCharCode(this.#buffer[0]!);
      this.counts.set(type, (this.counts.get(type) ?? 0) + 1);
      this.#buffer = this.#buffer.subarray(1 + length);
    }
  }
}

export class WireRelay {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly counts = new Map<string, number>();
  port = 0;

  constructor(private readonly options: RelayOptions) {
    this.#server = createServer((client) => this.#accept(client));
  }

  async listen(host = '127.0.0.1'): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, host, resolve));
    this.port = (this.#server.address() as { port: number }).port;
    return this.port;
  }

  /** Simple-protocol queries plus extended-protocol syncs: each is one round trip. */
  roundTrips(): number {
    return (this.counts.get('Q') ?? 0) + (this.counts.get('S') ?? 0);
  }

  resetCounts(): void {
    this.counts.clear();
  }

  #accept(client: Socket): void {
    const server = connect(this.options.targetPort, this.options.targetHost);
    client.setNoDelay(true);
    server.setNoDelay(true);
    for (const socket of [client, server]) {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        server.destroy();
      });
    }
    const counter = this.options.countMessages ? new FrontendMessageCounter(this.counts) : undefined;
    this.#pipe(client, server, counter);
    this.#pipe(server, client, undefined);
  }

  #pipe(from: Socket, to: Socket, counter: FrontendMessageCounter | undefined): void {
    const delay = this.options.delayMs ?? 0;
    from.on('end', () => to.end());
    if (delay <= 0) {
      from.on('data', (chunk: Buffer) => {
        counter?.push(chunk);
        to.write(chunk);
      });
      return;
    }
    const queue: { due: number; chunk: Buffer }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      timer = undefined;
      const now = performance.now();
      while (queue.length > 0 && queue[0]!.due <= now) to.write(queue.shift()!.chunk);
      if (queue.length > 0) timer = setTimeout(flush, Math.max(1, Math.ceil(queue[0]!.due - now)));
    };
    from.on('data', (chunk: Buffer) => {
      counter?.push(chunk);
      queue.push({ due: performance.now() + delay, chunk });
      timer ??= setTimeout(flush, delay);
    });
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

import { createServer } from 'node:net';

/**
 * Asks the OS for a TCP port that is free on `host` right now: listens on port 0,
 * reads the port the kernel picked, and closes the socket again.
 *
 * Another process could take the port before it is used; callers that bind it
 * later should retry on "address already in use".
 */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('findFreePort: the OS did not report a TCP port'));
        return;
      }
      const { port } = address;
      server.close((error) => (error ? reject(error) : resolve(port)));
    });
  });
}

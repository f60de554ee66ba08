import { createServer } from 'node:net';

/**
 * A loopback port free at the moment of asking (the kernel's pick for port 0). Someone may take
 * it before the caller binds it: callers that start a server retry on a bind failure.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close(() => reject(new Error('no port')));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

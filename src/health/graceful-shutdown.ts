import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ShutdownState } from './shutdown-state.js';

/** Longest wait for requests in flight once the server has stopped accepting. */
const IN_FLIGHT_GRACE_MS = 10_000;

/**
 * SIGTERM/SIGINT: /ready turns 503 at once, so the load balancer stops sending traffic, while
 * requests keep being served for `drainMs`. Then the HTTP server stops accepting and lets the
 * requests in flight finish, and only after that does Nest run its destroy hooks and close
 * Redis and the database (Nest alone would run the destroy hooks first, under live requests).
 */
export function installGracefulShutdown(
  app: NestFastifyApplication,
  drainMs: number,
  afterClose: () => Promise<void>,
): void {
  const logger = new Logger('Shutdown');
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: draining for ${drainMs} ms`);
    app.get(ShutdownState).draining = true;
    closeConnectionsAfterEachResponse(app.getHttpServer());
    await new Promise((resolve) => setTimeout(resolve, drainMs));
    await closeHttpServer(app.getHttpServer());
    await app.close();
    await afterClose();
    logger.log('Stopped');
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
}

/**
 * During the drain every response says `Connection: close` and Node closes its connection once
 * it is sent, so keep-alive clients reconnect (to another instance, now that /ready is 503)
 * rather than send a request on a connection the server is about to close. A listener ahead of
 * Fastify's, added only now: requests before the shutdown pay nothing for it.
 */
function closeConnectionsAfterEachResponse(server: Server): void {
  server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
    response.setHeader('Connection', 'close');
  });
}

/**
 * server.close() stops accepting and closes the keep-alive connections idle at that instant;
 * connections busy with a request become idle when their response leaves, so keep closing idle
 * ones until none is left, and cut whatever remains after the grace period.
 */
async function closeHttpServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const reaper = setInterval(() => server.closeIdleConnections(), 100);
  const deadline = setTimeout(() => server.closeAllConnections(), IN_FLIGHT_GRACE_MS);
  await closed;
  clearInterval(reaper);
  clearTimeout(deadline);
}

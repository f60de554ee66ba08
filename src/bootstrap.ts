import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { resolveDatabase } from './database/resolve-database.js';
import { ShutdownState } from './health/shutdown-state.js';

/** Starts the service: configuration, database, application, signals, listen. */
export async function bootstrap(stopTracing: () => Promise<void>): Promise<void> {
  try {
    await start(stopTracing);
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  }
}

async function start(stopTracing: () => Promise<void>): Promise<void> {
  const config = loadConfig();
  const database = await resolveDatabase(config);
  const app = await createApp({ config, database });
  const logger = new Logger('Bootstrap');

  // Graceful shutdown: /ready turns 503 at once so the load balancer stops sending traffic,
  // requests keep being served for SHUTDOWN_DRAIN_MS, then the server closes (finishing
  // in-flight requests), and the database is closed last.
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: draining for ${config.shutdownDrainMs} ms`);
    app.get(ShutdownState).draining = true;
    await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainMs));
    await app.close();
    await database.stop();
    await stopTracing();
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));

  await app.listen({ port: config.port, host: config.host });
  logger.log(
    `Listening on http://${config.host}:${config.port} (${database.embedded ? 'embedded PGlite' : 'PostgreSQL'}` +
      `${config.docsEnabled ? ', Swagger UI at /docs' : ''})`,
  );
}

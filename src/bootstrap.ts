import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { MigrationLockTimeoutError } from './database/migration-runner.service.js';
import { resolveDatabase } from './database/resolve-database.js';
import { installGracefulShutdown } from './health/graceful-shutdown.js';

/** Starts the service: configuration, database, application, signals, listen. */
export async function bootstrap(stopTracing: () => Promise<void>): Promise<void> {
  try {
    await start(stopTracing);
  } catch (error) {
    const oneLine = error instanceof ConfigError || error instanceof MigrationLockTimeoutError;
    console.error(oneLine ? error.message : error);
    process.exit(1);
  }
}

async function start(stopTracing: () => Promise<void>): Promise<void> {
  const config = loadConfig();
  const database = await resolveDatabase(config);
  const app = await createApp({ config, database });
  const logger = new Logger('Bootstrap');

  installGracefulShutdown(app, config.shutdownDrainMs, async () => {
    await database.stop();
    await stopTracing();
  });

  await app.listen({ port: config.port, host: config.host });
  logger.log(
    `Listening on http://${config.host}:${config.port} (${database.embedded ? 'embedded PGlite' : 'PostgreSQL'}` +
      `${config.docsEnabled ? ', Swagger UI at /docs' : ''})`,
  );
}

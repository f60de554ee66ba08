import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from './app.factory.js';
import { StartupError } from './config/startup-error.js';
import type { AppConfig } from './config/app-config.js';
import { loadConfig } from './config/load-config.js';
import { DEMO_LOGIN_TEXT } from './database/demo-data.js';
import { type ResolvedDatabase, resolveDatabase } from './database/resolve-database.js';
import { demoDataExists } from './scripts/seed-through-services.js';
import { installGracefulShutdown } from './health/graceful-shutdown.js';

/** Starts the service: configuration, database, application, signals, listen. */
export async function bootstrap(stopTracing: () => Promise<void>): Promise<void> {
  try {
    await start(stopTracing);
  } catch (error) {
    // A reason the person starting the service can fix is one line; anything else, its stack.
    console.error(error instanceof StartupError ? error.message : error);
    process.exit(1);
  }
}

async function start(stopTracing: () => Promise<void>): Promise<void> {
  const config = loadConfig();
  const database = await resolveDatabase(config);
  let app: NestFastifyApplication | undefined;
  try {
    app = await createApp({ config, database });
    installGracefulShutdown(app, config.shutdownDrainMs, async () => {
      await database.stop();
      await stopTracing();
    });
    await listen(app, config);
  } catch (error) {
    // Close the embedded database cleanly before the process exits.
    await app?.close().catch(() => undefined);
    await database.stop().catch(() => undefined);
    throw error;
  }
  await announce(app, config, database);
}

async function listen(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new StartupError(
        `Port ${config.port} is already in use (PORT=${config.port}): stop the process using it, or set PORT to a free port`,
      );
    }
    if (code === 'EACCES') {
      throw new StartupError(
        `Port ${config.port} needs privileges this process does not have (PORT=${config.port}): set PORT to 1024 or above`,
      );
    }
    throw error;
  }
}

/**
 * One line saying where the service is, Swagger UI, and the demo login when the demo data is
 * there. The holder of the embedded database also records its address, for `npm run seed`.
 */
async function announce(
  app: NestFastifyApplication,
  config: AppConfig,
  database: ResolvedDatabase,
): Promise<void> {
  const { port } = app.getHttpServer().address() as AddressInfo;
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const shown = `http://${wildcard ? 'localhost' : host}:${port}`;
  database.dataDirLock?.recordServiceUrl(`http://${wildcard ? '127.0.0.1' : host}:${port}`);

  const parts = [
    `Ready at ${shown} (${database.embedded ? 'embedded PGlite' : 'PostgreSQL'})`,
    ...(config.docsEnabled ? [`Swagger UI at ${shown}/docs`] : []),
  ];
  if (await demoDataExists(app).catch(() => false)) parts.push(`demo login ${DEMO_LOGIN_TEXT}`);
  new Logger('Bootstrap').log(parts.join('; '));
}

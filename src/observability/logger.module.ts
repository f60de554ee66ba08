import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger as PinoInstance } from 'pino';

/**
 * nestjs-pino, for the application's logs (Nest's Logger, the error filter) through the root logger
 * (root-logger.ts). Its request middleware (pino-http) is not mounted: a child logger and two
 * middlewares per request cost about a quarter of a cached read (docs/benchmarks.md), so the
 * request line is written by one Fastify hook, observability/request-logging.ts.
 */
export function loggerModule(logger: PinoInstance): DynamicModule {
  return LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] });
}

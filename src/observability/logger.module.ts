import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger as PinoInstance } from 'pino';

/**
 * nestjs-pino, for the application's logs (Nest's Logger, the error filter) through the root logger
 * (root-logger.ts). Its request middleware (pino-http) is not mounted: it built a child logger and ran two
 * middlewares per request, about a quarter of a cached read (docs/benchmarks.md). The request
 * line is written by observability/request-logging.ts instead.
 */
export function loggerModule(logger: PinoInstance): DynamicModule {
  return LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] });
}

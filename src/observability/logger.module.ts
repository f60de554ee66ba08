import type { IncomingMessage } from 'node:http';
import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { pino, type DestinationStream, type Logger as PinoInstance } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import { logFormatFor, prettyDestination } from './log-format.js';
import { traceIdsOf } from './trace-context.js';

/** A raw request, with what the request logging keeps on it. */
export interface LoggedRequest extends IncomingMessage {
  /** Left by common/http/request-id.ts. */
  id: string;
  /** The bindings of this request's log lines (request id, trace), computed on first use. */
  logBindings?: LogBindings;
}

export interface LogBindings {
  request_id: string;
  trace_id?: string;
  span_id?: string;
}

/** The request id and trace of a request's log lines, computed once per request. */
export function logBindingsOf(request: LoggedRequest): LogBindings {
  return (request.logBindings ??= {
    request_id: request.id,
    ...traceIdsOf(request.headers),
  });
}

/**
 * Where a secret could appear in a log object: a request's headers, credentials at the top level
 * of an application log object, and the SQL and parameters of a failed query. Paths are explicit:
 * wildcard paths (`*.password`) cost about 16 µs per line in @pinojs/redact, more than the rest
 * of the line (docs/benchmarks.md). Headers and bodies are never logged in the first place.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'password',
  'access_token',
  'refresh_token',
  'token',
  'authorization',
  'err.parameters',
  'err.query',
];

/**
 * The application's pino logger. Lines about a request carry its id and trace (logBindingsOf):
 * the request line and the error filter's lines add them. They are not bound through an
 * AsyncLocalStorage (nestjs-pino's request middleware, or a mixin reading one): on Node 20 any
 * AsyncLocalStorage in use slows every promise, and that cost a quarter of a cached read
 * (docs/benchmarks.md); the other application logs are about the process (Redis, the cache, the
 * rate limiter failing open), not a request. Standard output goes through pino's own destination (sonic-boom), not Node's
 * process.stdout stream. Lines are JSON, or pretty for a person at a terminal (log-format.ts); a
 * destination passed in (tests) always gets JSON.
 */
export function createRootLogger(config: AppConfig, destination?: DestinationStream): PinoInstance {
  const format = destination ? 'json' : logFormatFor(config);
  return pino(
    {
      level: config.logLevel,
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    },
    // Asynchronous: a line is handed to the kernel in the background, and lines logged while a
    // write is under way go out together in the next one (one write per batch under load, at once
    // when idle). pino flushes what is pending when the process exits.
    destination ??
      (format === 'pretty' ? prettyDestination(config.logFormat === 'pretty') : undefined) ??
      pino.destination({ dest: 1, sync: false }),
  );
}

/**
 * nestjs-pino, for the application's logs (Nest's Logger, the error filter) through the logger
 * above. Its request middleware (pino-http) is not mounted: it built a child logger and ran two
 * middlewares per request, about a quarter of a cached read (docs/benchmarks.md). The request
 * line is written by observability/request-logging.ts instead.
 */
export function loggerModule(logger: PinoInstance): DynamicModule {
  return LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] });
}

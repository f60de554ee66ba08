import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DynamicModule, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import { traceIdsOf } from './trace-context.js';

/** Set on the raw request by app.factory.ts once Fastify has matched a route. */
export interface RoutedRequest extends IncomingMessage {
  routeTemplate?: string;
  /** The bindings of this request's log lines, computed once (pino-http asks twice). */
  logBindings?: object;
}

const PROBES = new Set(['/health', '/ready', '/metrics']);

/** Anything that could carry a secret is censored wherever it appears in a log object. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.access_token',
  '*.refresh_token',
  '*.token',
  '*.authorization',
  'err.parameters',
  'err.query',
];

/**
 * nestjs-pino: one JSON line per request (method, route template, status, duration, request id,
 * trace id), and application logs through the same logger with the request id bound. Request
 * headers and bodies are not logged at all; REDACTED_PATHS covers what might still slip in.
 */
export function loggerModule(config: AppConfig, destination?: DestinationStream): DynamicModule {
  return LoggerModule.forRoot({
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
    pinoHttp: [
      {
        level: config.logLevel,
        // Fastify already chose the id (see common/http/request-id.ts) and left it on the request.
        genReqId: (request) => request.id,
        customAttributeKeys: { responseTime: 'duration_ms' },
        // The request line carries its own flat fields (requestLine); headers and bodies are
        // never logged.
        serializers: {
          req: (request: IncomingMessage) => ({ url: request.url }),
          res: () => undefined,
        },
        // Bound to every line of the request, application logs included.
        customProps: (request: RoutedRequest) =>
          (request.logBindings ??= { request_id: request.id, ...traceIdsOf(request.headers) }),
        // The request line itself, written when the response has finished.
        customSuccessObject: (request, response, line: object) =>
          requestLine(request, response, line),
        // pino-http attaches a made-up error ("failed with status code 503") to 5xx lines: the
        // error filter has already logged the real one.
        customErrorObject: (request, response, _error, line: object) => {
          const { err: _madeUp, ...rest } = line as { err?: unknown };
          return requestLine(request, response, rest);
        },
        customLogLevel: (request, response, error) => {
          if (response.statusCode === 503) return 'warn'; // an expected state: not ready, database down
          if (error || response.statusCode >= 500) return 'error';
          // Probes arrive every few seconds: keep them out of the info stream.
          if (PROBES.has(request.url ?? '')) return 'debug';
          return response.statusCode >= 400 ? 'warn' : 'info';
        },
        customSuccessMessage: (request, response) =>
          `${request.method} ${(request).routeTemplate ?? request.url} ${response.statusCode}`,
        customErrorMessage: (request, response) =>
          `${request.method} ${(request).routeTemplate ?? request.url} ${response.statusCode}`,
        redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      },
      destination ?? process.stdout,
    ],
  });
}

function requestLine(request: IncomingMessage, response: ServerResponse, line: object): object {
  return {
    ...line,
    method: request.method,
    route: (request as RoutedRequest).routeTemplate ?? 'unmatched',
    status: response.statusCode,
  };
}

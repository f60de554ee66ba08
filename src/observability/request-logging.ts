import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Level, Logger as PinoInstance } from 'pino';
import type { HttpMetrics } from './http-metrics.js';
import { type LoggedRequest, logBindingsOf } from '../common/http/log-bindings.js';
import { redactQuerySecrets } from './query-redaction.js';

const PROBES = new Set(['/health', '/ready', '/metrics']);

/**
 * One JSON line per request when its response has finished (method, route template, status,
 * duration, request id, trace id; never headers or bodies), and the HTTP metrics, from one
 * Fastify hook.
 */
export function registerRequestLogging(
  fastify: FastifyInstance,
  logger: PinoInstance,
  metrics: HttpMetrics,
): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    const level = levelOf(request, reply);
    if (logger.isLevelEnabled(level)) {
      // A token or password a client put in the query string never reaches the log.
      const url = redactQuerySecrets(request.url);
      logger[level](
        {
          ...logBindingsOf(request.raw as LoggedRequest),
          method: request.method,
          route,
          status: reply.statusCode,
          duration_ms: Math.round(reply.elapsedTime * 1000) / 1000,
          req: { url },
        },
        `${request.method} ${request.routeOptions.url ?? url} ${reply.statusCode}`,
      );
    }
    done();
  });
}

function levelOf(request: FastifyRequest, reply: FastifyReply): Level {
  const status = reply.statusCode;
  if (status === 503) return 'warn'; // an expected state: not ready, database down
  if (status >= 500) return 'error';
  // Probes arrive every few seconds: keep them out of the info stream.
  if (PROBES.has(request.url)) return 'debug';
  return status >= 400 ? 'warn' : 'info';
}

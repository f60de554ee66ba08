import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_MESSAGE_BY_STATUS, errorCodeFor } from './error-code.js';
import type { ErrorEnvelope } from './error-envelope.js';

/**
 * Fastify's `frameworkErrors`: what its router refuses before any route, hook or Nest filter runs
 * (a path with bad percent-encoding, FST_ERR_BAD_URL; a path parameter over maxParamLength,
 * FST_ERR_MAX_PARAM_LENGTH). Fastify would answer 400 and 414 in a body of its own without
 * X-Request-Id; API.md wants a malformed id to be 404 NOT_FOUND in the error envelope, like any
 * unknown route.
 */
export function frameworkErrors(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status =
    error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 404 : 500;
  const body: ErrorEnvelope = {
    error: {
      code: errorCodeFor(status),
      message: status === 404 ? 'Not found' : DEFAULT_MESSAGE_BY_STATUS[status],
      request_id: String(request.id),
    },
  };
  void reply
    .status(status)
    .header('X-Request-Id', request.id)
    .header('X-Content-Type-Options', 'nosniff')
    .header('Cache-Control', 'no-store')
    .header('content-type', 'application/json; charset=utf-8')
    .send(body);
}

import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type {
  IncomingMessage,
  OutgoingHttpHeaders,
  ServerOptions,
  ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ConnectionError, FastifyInstance } from 'fastify';
import helmet from 'helmet';
import type { AppConfig } from '../../config/app-config.js';
import { DEFAULT_MESSAGE_BY_STATUS, errorCodeFor } from '../errors/error-code.js';
import type { ErrorEnvelope } from '../errors/error-envelope.js';

type CorsOptions = NonNullable<Parameters<NestFastifyApplication['enableCors']>[0]>;

/**
 * HTTP hygiene (API.md, "Security headers and HTTP hygiene"): limits against slow and oversized
 * requests, the errors Node's own parser answers, security headers, Cache-Control and CORS.
 */

/** Request headers above this many bytes answer 431 (Node's default, pinned here). */
export const MAX_HEADER_BYTES = 16 * 1024;
/** A client must have sent its headers this long after it began the request... */
export const HEADERS_TIMEOUT_MS = 10_000;
/** ...and the whole request (body included) this long after; otherwise 408 and the socket closes. */
export const REQUEST_TIMEOUT_MS = 30_000;
/**
 * An idle keep-alive connection is closed after this long: longer than the 60 s idle timeout of
 * the usual load balancers, so that they, not the service, close first (no request is sent on a
 * connection the service is closing).
 */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000;
/** How often Node checks the two timeouts above: they fire at most this much late. */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** The FastifyAdapter options for the limits above and the client error handler. */
export function serverLimits(): {
  http: ServerOptions;
  requestTimeout: number;
  keepAliveTimeout: number;
  clientErrorHandler: (error: ConnectionError, socket: Socket) => void;
} {
  return {
    http: {
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    // Fastify sets these on the server after creating it (0 would switch requestTimeout off).
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    clientErrorHandler,
  };
}

/** The status for an error of Node's HTTP parser or its timeouts. */
export function clientErrorStatus(error: Pick<ConnectionError, 'code'>): 400 | 408 | 431 {
  if (error.code === 'HPE_HEADER_OVERFLOW') return 431;
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

/**
 * The raw HTTP response for a request Node refused before Fastify saw it (no route, hooks or
 * filter run): the error envelope of API.md, with a fresh request id, and the connection closed.
 */
export function clientErrorResponse(status: number, requestId: string = randomUUID()): string {
  const envelope: ErrorEnvelope = {
    error: {
      code: errorCodeFor(status),
      message: status === 400 ? 'Malformed HTTP request' : DEFAULT_MESSAGE_BY_STATUS[status],
      request_id: requestId,
    },
  };
  const body = JSON.stringify(envelope);
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-Id: ${requestId}`,
    'Cache-Control: no-store',
    'X-Content-Type-Options: nosniff',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/**
 * Fastify's clientErrorHandler (the server's 'clientError' event): headers over the limit (431),
 * a request not received in time (408), anything else the parser refuses (400). A reset
 * connection has nobody to answer.
 */
function clientErrorHandler(this: FastifyInstance, error: ConnectionError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) socket.write(clientErrorResponse(clientErrorStatus(error)));
  socket.destroy();
}

/**
 * Content-Security-Policy: nothing by default, and just what Swagger UI at /docs needs: its
 * scripts and stylesheet from this origin (@nestjs/swagger serves the initialisation script as
 * /docs/swagger-ui-init.js, not inline), inline styles (a <style> block and style attributes in
 * its page and components), data: images (icons in its stylesheet), and requests to this origin
 * ("Try it out"). No framing, no plugins, no inline scripts.
 */
const CONTENT_SECURITY_POLICY = {
  'default-src': ["'none'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
};

/**
 * The headers every response starts with: helmet's (the CSP above, X-Content-Type-Options, frame
 * denial, HSTS, Referrer-Policy and the rest of its defaults; no X-Powered-By, which Fastify never
 * sends anyway) and Cache-Control: `no-store` under /auth (tokens, and the caller's own record),
 * else `private, no-cache`, authenticated responses included: nothing this API serves may be kept
 * by a shared cache, and a private cache must revalidate (If-None-Match) before reusing a copy. A
 * route may set a stricter or a public value of its own (Swagger UI's static files do).
 */
export interface ResponseHeaderSets {
  default: OutgoingHttpHeaders;
  auth: OutgoingHttpHeaders;
}

/**
 * Computed once at start: helmet's policy is the same for every response here (no nonces), and
 * @fastify/helmet would rebuild helmet's middleware, CSP parsing included, on every request (about
 * 8% of a /health request in the profile, docs/benchmarks.md). helmet itself decides the headers;
 * they are recorded from its middleware run against a response that only keeps them.
 */
export function responseHeaderSets(): ResponseHeaderSets {
  const headers: OutgoingHttpHeaders = {};
  const recorder = {
    setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    frameguard: { action: 'deny' },
  })({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw new Error('helmet refused its options', { cause: error });
  });
  return {
    default: { ...headers, 'cache-control': 'private, no-cache' },
    auth: { ...headers, 'cache-control': 'no-store' },
  };
}

/**
 * Whether the request carries more than one Host header (Node keeps the first and drops the
 * rest, so only the raw list shows it). A scan of the raw header names, compared by length first.
 */
export function hasDuplicateHost(rawHeaders: readonly string[]): boolean {
  let hosts = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name.length === 4 && name.toLowerCase() === 'host' && ++hosts > 1) return true;
  }
  return false;
}

/** Whether a request URL is under /auth (its responses are never stored). */
export function isAuthPath(url: string): boolean {
  return url.startsWith('/auth') && (url.length === 5 || url[5] === '/' || url[5] === '?');
}

/**
 * CORS for the configured origins only (none: no CORS headers at all, and a browser on another
 * origin cannot read any response). The methods include the writes (@fastify/cors allows only
 * GET, HEAD and POST by default), and the response headers a client needs are readable.
 */
export function corsOptions(config: AppConfig): CorsOptions {
  return {
    origin: [...config.corsOrigins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: [
      'Authorization',
      'Content-Type',
      'If-Match',
      'If-None-Match',
      'Idempotency-Key',
      'X-Request-Id',
      'traceparent',
      'tracestate',
    ],
    exposedHeaders: [
      'ETag',
      'Location',
      'Retry-After',
      'X-Cache',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
      'X-Request-Id',
      'Idempotent-Replayed',
    ],
    maxAge: 600,
  };
}

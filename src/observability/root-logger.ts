import { pino, type DestinationStream, type Logger as PinoInstance } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import { logFormatFor, prettyDestination } from './log-format.js';

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
 * The application's pino logger. Lines about a request carry its id and trace (common/http/log-bindings.ts):
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

import { createRequire } from 'node:module';
import type { DestinationStream } from 'pino';
import type PinoPretty from 'pino-pretty';
import { StartupError } from '../config/startup-error.js';
import type { AppConfig } from '../config/app-config.js';

export type LogFormat = 'json' | 'pretty';

/**
 * LOG_FORMAT when set; otherwise pretty lines for a person at a terminal outside production, and
 * JSON (one object per line, for a log collector) everywhere else.
 */
export function logFormatFor(
  config: Pick<AppConfig, 'logFormat' | 'nodeEnv'>,
  stdout: { isTTY?: boolean } = process.stdout,
): LogFormat {
  if (config.logFormat) return config.logFormat;
  return config.nodeEnv !== 'production' && stdout.isTTY === true ? 'pretty' : 'json';
}

/**
 * pino-pretty on standard output: level names, local times, colour on a terminal, the Nest
 * context in brackets, other fields on the same line. pino-pretty is a development dependency
 * (the production image has none), so it is loaded only when asked for; `required` says whether
 * its absence is an error (LOG_FORMAT=pretty) or a reason to stay with JSON (no LOG_FORMAT).
 * Writes are synchronous: this is for a person reading a terminal, not for throughput.
 */
export function prettyDestination(required: boolean): DestinationStream | undefined {
  let pretty: typeof PinoPretty;
  try {
    pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  } catch {
    if (!required) return undefined;
    throw new StartupError(
      'LOG_FORMAT=pretty needs pino-pretty, a development dependency that is not installed: install it, or set LOG_FORMAT=json',
    );
  }
  return pretty({
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
    singleLine: true,
    destination: 1,
    sync: true,
  });
}

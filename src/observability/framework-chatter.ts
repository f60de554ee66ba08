import type { LoggerService } from '@nestjs/common';

/**
 * Nest's start-up lines, one per module and per route ("InstanceLoader", "RouterExplorer"...):
 * dozens of info lines that say nothing a person starting the service needs. They stay
 * available at LOG_LEVEL=debug.
 */
const CHATTY_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

/**
 * Nest logs a failed listen ("Error: listen EADDRINUSE ...") before rejecting; bootstrap.ts
 * reports it as one line naming PORT, so Nest's own line would only be a second, rawer one.
 */
const isListenFailure = (message: unknown, params: unknown[]): boolean =>
  params.at(-1) === 'NestApplication' &&
  typeof message === 'string' &&
  message.startsWith('Error: listen ');

/**
 * `logger`, with the info lines of Nest's chatty contexts, and its report of a failed listen, sent
 * at debug instead.
 */
export function withFrameworkChatterAtDebug(logger: LoggerService): LoggerService {
  const isChatter = (params: unknown[]): boolean => {
    const context = params.at(-1);
    return typeof context === 'string' && CHATTY_CONTEXTS.has(context);
  };
  const debug = (message: unknown, ...params: unknown[]): void => {
    logger.debug?.(message, ...params);
  };
  return {
    log(message: unknown, ...params: unknown[]): void {
      if (isChatter(params)) debug(message, ...params);
      else logger.log(message, ...params);
    },
    error(message: unknown, ...params: unknown[]): void {
      if (isListenFailure(message, params)) debug(message, ...params);
      else logger.error(message, ...params);
    },
    warn(message: unknown, ...params: unknown[]): void {
      logger.warn(message, ...params);
    },
    debug,
    verbose(message: unknown, ...params: unknown[]): void {
      logger.verbose?.(message, ...params);
    },
    fatal(message: unknown, ...params: unknown[]): void {
      logger.fatal?.(message, ...params);
    },
  };
}

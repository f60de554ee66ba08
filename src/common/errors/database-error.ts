import { QueryFailedError } from 'typeorm';

const UNIQUE_VIOLATION = '23505';

/** PostgreSQL error classes and driver errors that mean "the database is not reachable now". */
const UNAVAILABLE_SQLSTATE_PREFIXES = ['08', '57P', '53'];
const UNAVAILABLE_SQLSTATES = new Set(['57014']); // statement_timeout
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
]);
const UNAVAILABLE_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error',
  'connect ECONNREFUSED',
];

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && codeOf(error.driverError) === UNIQUE_VIOLATION;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  const inner: unknown = error instanceof QueryFailedError ? error.driverError : error;
  const code = codeOf(inner);
  if (code && UNAVAILABLE_NODE_CODES.has(code)) return true;
  if (code && UNAVAILABLE_SQLSTATES.has(code)) return true;
  if (
    code &&
    /^[0-9A-Z]{5}$/.test(code) &&
    UNAVAILABLE_SQLSTATE_PREFIXES.some((p) => code.startsWith(p))
  ) {
    return true;
  }
  const message = inner instanceof Error ? inner.message : '';
  return UNAVAILABLE_MESSAGES.some((text) => message.includes(text));
}

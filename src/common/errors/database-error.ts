import { QueryFailedError } from 'typeorm';

const UNIQUE_VIOLATION = '23505';
/** lock_timeout (or NOWAIT) expired: another session holds the row or table. */
const LOCK_NOT_AVAILABLE = '55P03';
/** A write on a read-only database: a standby, or default_transaction_read_only. */
const READ_ONLY_SQL_TRANSACTION = '25006';

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

export function isLockNotAvailable(error: unknown): boolean {
  return codeOf(driverErrorOf(error)) === LOCK_NOT_AVAILABLE;
}

export function isReadOnlyDatabase(error: unknown): boolean {
  return codeOf(driverErrorOf(error)) === READ_ONLY_SQL_TRANSACTION;
}

function driverErrorOf(error: unknown): unknown {
  return error instanceof QueryFailedError ? error.driverError : error;
}

/**
 * Why a database error is worth a retry (503 with Retry-After), or undefined when it is not: a
 * lock wait that timed out, a read-only database, or a database out of reach.
 */
export function retryableDatabaseError(error: unknown): string | undefined {
  if (isLockNotAvailable(error)) {
    return 'The resource is locked by another operation; retry shortly';
  }
  if (isReadOnlyDatabase(error)) return 'The database is read-only; writes are unavailable';
  if (isDatabaseUnavailable(error)) return 'The database is unavailable';
  return undefined;
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

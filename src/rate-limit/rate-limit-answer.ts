import { ThrottlerException } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';

/** One budget's standing as the client sees it: `X-RateLimit-*` (suffixed `-auth` for that limit). */
export interface BudgetStanding {
  limit: number;
  remaining: number;
  /** Seconds until the window ends. */
  reset: number;
}

const HEADER_PREFIX = 'X-RateLimit';

export function setRateLimitHeaders(
  reply: FastifyReply,
  standing: BudgetStanding,
  suffix = '',
): void {
  void reply.header(`${HEADER_PREFIX}-Limit${suffix}`, standing.limit);
  void reply.header(`${HEADER_PREFIX}-Remaining${suffix}`, Math.max(0, standing.remaining));
  void reply.header(`${HEADER_PREFIX}-Reset${suffix}`, standing.reset);
}

/**
 * The answer of a request over a budget: the exhausted budget's numbers in the unsuffixed
 * `X-RateLimit-*` (whichever limit it is: the client has to wait for that one), `Retry-After`,
 * and the 429 the error filter turns into the RATE_LIMITED envelope. The throttler's own message
 * ("ThrottlerException: Too Many Requests") names a class, not the situation.
 */
export function refuseOverBudget(
  reply: FastifyReply,
  standing: BudgetStanding,
  retryAfterSeconds: number,
): ThrottlerException {
  setRateLimitHeaders(reply, { ...standing, remaining: 0 });
  void reply.header('Retry-After', retryAfterSeconds);
  return new ThrottlerException(
    `Too many requests: retry after ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}`,
  );
}

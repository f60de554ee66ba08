import type { HeaderObject, ReferenceObject, ResponseObject } from '@nestjs/swagger';
import type { RouteFacts } from './route-facts.js';

/** The headers of the document's responses: the request id, the rate limits, and the rest. */

const REQUEST_ID_HEADER = 'X-Request-Id';

/** The counters of a route's budget of its own, beside the general one (suffixed headers). */
function ownBudgetHeaders(
  suffix: string,
  route: string,
  setting: string,
  counted: string,
): Record<string, HeaderObject> {
  return {
    [`X-RateLimit-Limit-${suffix}`]: {
      description: `${route} only: its own budget per window (${setting})`,
      schema: { type: 'integer', minimum: 0 },
    },
    [`X-RateLimit-Remaining-${suffix}`]: {
      description: `${route} only: ${counted} left in its own budget`,
      schema: { type: 'integer', minimum: 0 },
    },
    [`X-RateLimit-Reset-${suffix}`]: {
      description: `${route} only: seconds until its own window ends`,
      schema: { type: 'integer', minimum: 0 },
    },
  };
}

/** The headers the responses refer to, for components.headers. */
export const COMPONENT_HEADERS: Readonly<Record<string, HeaderObject>> = {
  [REQUEST_ID_HEADER]: {
    description:
      "On every response: the caller's X-Request-Id if well formed (1-128 chars of [A-Za-z0-9._:-]), else a new UUID; also error.request_id",
    required: true,
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
  },
  'X-RateLimit-Limit': {
    description:
      'Requests allowed per window for this client IP (RATE_LIMIT_MAX). The X-RateLimit headers ' +
      'come with every answer given once the rate limiter has counted the request, whatever ' +
      'its status',
    schema: { type: 'integer', minimum: 0 },
  },
  'X-RateLimit-Remaining': {
    description: 'Requests left in the current window',
    schema: { type: 'integer', minimum: 0 },
  },
  'X-RateLimit-Reset': {
    description: 'Seconds until the current window ends',
    schema: { type: 'integer', minimum: 0 },
  },
  ...ownBudgetHeaders('auth', 'POST /auth/token', 'AUTH_RATE_LIMIT_MAX', 'requests'),
  ...ownBudgetHeaders('signup', 'POST /users', 'SIGNUP_RATE_LIMIT_MAX', 'sign-ups'),
  'Retry-After': {
    description: 'Seconds to wait before retrying',
    required: true,
    schema: { type: 'integer', minimum: 0 },
  },
  'WWW-Authenticate': {
    description: 'Always `Bearer`',
    required: true,
    schema: { type: 'string', example: 'Bearer' },
  },
};
const RATE_LIMIT_HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];
const AUTH_RATE_LIMIT_HEADERS = RATE_LIMIT_HEADERS.map((name) => `${name}-auth`);
const SIGNUP_RATE_LIMIT_HEADERS = RATE_LIMIT_HEADERS.map((name) => `${name}-signup`);

const headerRef = (name: string): ReferenceObject => ({ $ref: `#/components/headers/${name}` });

/**
 * The headers of one response. The rate limiter is the first guard, so whatever a throttled route
 * answers after it carries the X-RateLimit counters (the document's description says so once);
 * they are listed on the success (or redirect) responses and the 429 only, where a client reads them: on every
 * status they made one operation thousands of pixels tall in Swagger UI.
 */
export function addHeaders(response: ResponseObject, status: number, fact: RouteFacts): void {
  const headers: Record<string, HeaderObject | ReferenceObject> = { ...(response.headers ?? {}) };
  headers[REQUEST_ID_HEADER] = headerRef(REQUEST_ID_HEADER);
  if (fact.throttled && ((status >= 200 && status < 400) || status === 429)) {
    for (const name of RATE_LIMIT_HEADERS) headers[name] = headerRef(name);
    if (fact.authLimited)
      for (const name of AUTH_RATE_LIMIT_HEADERS) headers[name] = headerRef(name);
    if (fact.signupLimited)
      for (const name of SIGNUP_RATE_LIMIT_HEADERS) headers[name] = headerRef(name);
  }
  if (status === 429 || status === 503) headers['Retry-After'] = headerRef('Retry-After');
  if (status === 401) headers['WWW-Authenticate'] = headerRef('WWW-Authenticate');
  response.headers = headers;
}

/**
 * Rate limits far above what one test file sends, so a suite about other behaviour never meets a
 * 429 (a suite about rate limits sets its own). createTestApp starts from them; suites that start
 * built services pass them in the services' environment.
 */
export const GENEROUS_LIMITS = {
  RATE_LIMIT_MAX: '1000000',
  AUTH_RATE_LIMIT_MAX: '1000000',
  AUTH_ACCOUNT_RATE_LIMIT_MAX: '1000000',
  SIGNUP_RATE_LIMIT_MAX: '1000000',
};

import { SetMetadata } from '@nestjs/common';

export const AUTH_RATE_LIMITED = 'rate-limit:auth';

/** The route also counts against the stricter AUTH_RATE_LIMIT_MAX budget (POST /auth/token). */
export const AuthRateLimit = (): MethodDecorator => SetMetadata(AUTH_RATE_LIMITED, true);

export const SIGNUP_RATE_LIMITED = 'rate-limit:signup';

/** The route also counts against the SIGNUP_RATE_LIMIT_MAX budget (POST /users). */
export const SignupRateLimit = (): MethodDecorator => SetMetadata(SIGNUP_RATE_LIMITED, true);

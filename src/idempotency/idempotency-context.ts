import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** The claim a create runs under, so the service can link what it creates to the key. */
export interface IdempotencyClaim {
  readonly id: number;
}

/** Claims by request, left by IdempotencyInterceptor before the handler runs. */
const claims = new WeakMap<object, IdempotencyClaim>();

export function holdClaim(request: object, claim: IdempotencyClaim): void {
  claims.set(request, claim);
}

/**
 * The Idempotency-Key claim of this request (undefined without a key), for the create to pass to
 * its service. Handed over explicitly rather than through an AsyncLocalStorage: on Node 20 any
 * AsyncLocalStorage in use slows every promise of every request (a quarter of a cached read,
 * docs/benchmarks.md).
 */
export const IdempotencyClaimOf = createParamDecorator(
  (_data: unknown, context: ExecutionContext): IdempotencyClaim | undefined =>
    claims.get(context.switchToHttp().getRequest<object>()),
);

import {
  CallHandler,
  ConflictException,
  ExecutionContext,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, Observable } from 'rxjs';
import type { AuthenticatedUser } from '../auth/authenticated-user.js';
import { ValidationFailedException } from '../common/errors/validation-failed.exception.js';
import { holdClaim } from './idempotency-context.js';
import { IdempotencyService, sha256 } from './idempotency.service.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
const WELL_FORMED_KEY = /^[\x20-\x7E]{1,255}$/;

type IdempotentRequest = FastifyRequest & { user?: AuthenticatedUser };

/**
 * `Idempotency-Key` on a create (API.md, Idempotent creates): the first request with a key runs
 * and its response is kept; a repeat with the same body gets that response again with
 * `Idempotent-Replayed: true`; the same key with another body is 422; a repeat while the first
 * still runs is 409. Keys belong to one caller (token subject, or client IP for sign-up) and
 * one route. A request that fails without creating anything gives its key back.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly keys: IdempotencyService) {}

  intercept(context: ExecutionContext, next: CallHandler<unknown>): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<IdempotentRequest>();
    const reply = http.getResponse<FastifyReply>();
    const key = request.headers[IDEMPOTENCY_KEY_HEADER];
    if (key === undefined) return next.handle();
    if (typeof key !== 'string' || !WELL_FORMED_KEY.test(key)) {
      throw new ValidationFailedException([
        { field: 'Idempotency-Key', message: 'Idempotency-Key must be 1-255 printable characters' },
      ]);
    }
    return from(this.run(request, reply, key, next));
  }

  private async run(
    request: IdempotentRequest,
    reply: FastifyReply,
    key: string,
    next: CallHandler<unknown>,
  ): Promise<unknown> {
    const caller = request.user?.publicId ?? `ip:${request.ip}`;
    const path = request.url.split('?')[0];
    const scopeHash = sha256(JSON.stringify([caller, request.method, path, key]));
    const requestHash = sha256(canonicalJson(request.body));

    const claim = await this.keys.claim(scopeHash, requestHash);
    if (!claim.claimed) {
      const { existing } = claim;
      if (existing.request_hash !== requestHash) {
        throw new ValidationFailedException(
          [
            {
              field: 'Idempotency-Key',
              message: 'Idempotency-Key was already used with a different body',
            },
          ],
          'Idempotency-Key reused with a different request',
        );
      }
      if (existing.response_status === null) {
        throw new ConflictException('A request with this Idempotency-Key is still being processed');
      }
      void reply.status(existing.response_status).header('Idempotent-Replayed', 'true');
      if (existing.response_location) void reply.header('Location', existing.response_location);
      return existing.response_body;
    }

    let body: unknown;
    try {
      // The handler passes the claim (@IdempotencyClaimOf) to the service, which links what it
      // creates to it.
      holdClaim(request, { id: claim.id });
      body = await lastValueFrom(next.handle());
    } catch (error) {
      await this.keys.release(claim.id).catch(() => undefined);
      throw error;
    }
    const location = reply.getHeader('location');
    await this.keys.complete(
      claim.id,
      reply.statusCode,
      body,
      typeof location === 'string' ? location : undefined,
    );
    return body;
  }
}

/** JSON with object keys sorted, so that the same body always hashes the same. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );
}

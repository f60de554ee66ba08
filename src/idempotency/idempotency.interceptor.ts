import {
  CallHandler,
  ConflictException,
  ExecutionContext,
  Injectable,
  Logger,
  NestInterceptor,
} from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, Observable } from 'rxjs';
import type { AuthenticatedUser } from '../access/authenticated-user.js';
import { ValidationFailedException } from '../common/errors/validation-failed.exception.js';
import { type CreatedReplay, IDEMPOTENT_REPLAY } from './created-replay.js';
import { holdClaim } from './idempotency-context.js';
import {
  type CreatedResponse,
  IdempotencyService,
  sha256,
  StoredKey,
} from './idempotency.service.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
const WELL_FORMED_KEY = /^[\x20-\x7E]{1,255}$/;

type IdempotentRequest = FastifyRequest & { user?: AuthenticatedUser };

/**
 * `Idempotency-Key` on a create (API.md, Idempotent creates): the first request with a key runs
 * and its response is kept; a repeat with the same body gets that response again with
 * `Idempotent-Replayed: true`; the same key with another body is 422; a repeat while the first
 * still runs is 409. Keys belong to one caller (token subject, or client IP for sign-up) and
 * one route. A request that fails without creating anything gives its key back.
 *
 * The create links its resource to the key inside its own transaction, so once that commits the
 * outcome is settled even if the response is never stored (the instance dies, or loses the
 * database, in between): a repeat then rebuilds the 201 from the resource (the route's
 * CreatedReplay) instead of answering 409 until the key expires.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger(IdempotencyInterceptor.name);

  constructor(
    private readonly keys: IdempotencyService,
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
  ) {}

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
    return from(this.run(context, request, reply, key, next));
  }

  private async run(
    context: ExecutionContext,
    request: IdempotentRequest,
    reply: FastifyReply,
    key: string,
    next: CallHandler<unknown>,
  ): Promise<unknown> {
    const scopeHash = sha256(JSON.stringify(idempotencyScope(request, key)));
    const requestHash = sha256(canonicalJson(request.body));

    const claim = await this.keys.claim(scopeHash, requestHash);
    if (!claim.claimed) return this.answerRepeat(context, reply, claim.existing, requestHash);

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
    try {
      await this.keys.complete(claim.id, reply.statusCode, body, {
        location: headerOf(reply, 'location'),
        etag: headerOf(reply, 'etag'),
      });
    } catch (error) {
      // The create has committed: the client is told so. A repeat rebuilds this response from
      // the resource, which the key is linked to.
      this.logger.warn(`storing the response of a create failed: ${(error as Error).message}`);
    }
    return body;
  }

  private async answerRepeat(
    context: ExecutionContext,
    reply: FastifyReply,
    existing: StoredKey,
    requestHash: string,
  ): Promise<unknown> {
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
    if (existing.response_status !== null) return replayStored(reply, existing);
    // No resource linked: the first request's transaction has not committed (it is running, or
    // died and its claim is taken over once abandoned).
    if (existing.resource_public_id === null) {
      throw new ConflictException('A request with this Idempotency-Key is still being processed');
    }
    // Committed, not stored yet: the request that holds the key stores its response right after
    // its commit, unless it is gone. Give it that time, then rebuild from the resource.
    const stored = await this.keys.storedResponseOf(existing.id);
    if (stored) return replayStored(reply, stored);
    const replay = this.reflector.get<CreatedReplay<unknown> | undefined>(
      IDEMPOTENT_REPLAY,
      context.getHandler(),
    );
    const controller: unknown = this.moduleRef.get(context.getClass(), { strict: false });
    const created = replay ? await replay(controller, existing.resource_public_id) : null;
    if (!created) {
      throw new ConflictException(
        'What was created with this Idempotency-Key has been deleted since: nothing to replay',
      );
    }
    // Kept, so that every later repeat answers exactly this.
    await this.keys
      .complete(existing.id, 201, created.body, created)
      .catch((error: Error) =>
        this.logger.warn(`storing a rebuilt response failed: ${error.message}`),
      );
    return replayCreated(reply, 201, created);
  }
}

function replayStored(reply: FastifyReply, stored: StoredKey): unknown {
  return replayCreated(reply, stored.response_status ?? 201, {
    body: stored.response_body,
    location: stored.response_location ?? undefined,
    etag: stored.response_etag ?? undefined,
  });
}

function replayCreated(
  reply: FastifyReply,
  status: number,
  response: Partial<CreatedResponse>,
): unknown {
  void reply.status(status).header('Idempotent-Replayed', 'true');
  if (response.location) void reply.header('Location', response.location);
  if (response.etag) void reply.header('ETag', response.etag);
  return response.body;
}

/**
 * What a key belongs to: the caller, the method, the route with its path parameters in canonical
 * form, and the key. The route is the template the router matched, not the path as typed, so a
 * trailing slash or an id in upper case is the same scope (the path parameters of idempotent
 * routes are UUIDs, case-insensitive). For a request in canonical form this is the path as typed.
 */
export function idempotencyScope(
  request: Pick<IdempotentRequest, 'user' | 'ip' | 'method' | 'url' | 'params' | 'routeOptions'>,
  key: string,
): unknown[] {
  const caller = request.user?.publicId ?? `ip:${request.ip}`;
  const params = (request.params ?? {}) as Record<string, string | undefined>;
  const template = request.routeOptions?.url;
  const path = template
    ? template.replace(/:(\w+)/g, (_match, name: string) => (params[name] ?? '').toLowerCase())
    : request.url.split('?')[0];
  return [caller, request.method, path, key];
}

function headerOf(reply: FastifyReply, name: string): string | undefined {
  const value = reply.getHeader(name);
  return typeof value === 'string' ? value : undefined;
}

/** JSON with object keys sorted, so that the same body always hashes the same. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );
}

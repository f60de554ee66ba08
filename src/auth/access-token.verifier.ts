import { type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { isUUID } from 'class-validator';
import type { Jwt } from 'jsonwebtoken';
import { canonicalUuid } from '../common/ids/canonical-uuid.js';
import { perRoute } from '../common/route-metadata.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/inject-config.decorator.js';
import { type CachePrefetch, ResourceCache } from '../cache/resource-cache.service.js';
import {
  PREFETCHED_RESOURCE,
  type PrefetchingRequest,
  type ResourceKeyOf,
} from '../cache/request-prefetch.js';
import type { RequestPrefetch } from '../common/http/request-prefetch.js';
import { sessionKey, SessionsService } from '../sessions/sessions.service.js';
import { userCacheKey } from '../users/user-cache-key.js';
import { UsersService } from '../users/users.service.js';
import { AccessTokenClaims } from './access-token-claims.js';
import { AuthenticatedUser } from '../access/authenticated-user.js';
import { IS_PUBLIC } from '../access/public.decorator.js';
import { JWT_ALGORITHM } from './jwt-key.js';

const INVALID = 'Invalid or missing access token';
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  return BEARER.exec(header ?? '')?.[1];
}

/** A token whose signature and claims have been checked (CPU only), with what it names. */
interface CheckedToken {
  token: string;
  claims: AccessTokenClaims & { sid?: string };
  publicId: string;
}

/** What the route needs, read once per handler (route metadata never changes). */
interface RoutePrefetch {
  isPublic: boolean;
  keyOf?: ResourceKeyOf;
}

export type VerifyingRequest = PrefetchingRequest & { checkedToken?: CheckedToken | null };

/**
 * Verifies an access token: HS256 only (so `alg: none` and every other algorithm fail), the
 * signature, `exp` (required), `nbf`, `iss` and `aud`, no `crit` header (RFC 7515 §4.1.11: the
 * service understands no extension, so a token that makes one critical is refused), the
 * claims' shapes, and then the account as it is now (both lookups cached, invalidated by every
 * write on any instance):
 * - the user still exists (a deleted user's tokens stop working at once);
 * - the token's `ver` (absent: 0) is the user's credential version: a password change refuses
 *   every token issued before it;
 * - the token's session (`sid`), if it names one, is live: revoking a session stops its access
 *   tokens at once. Tokens without `sid` (issued before sessions existed) are bounded by `ver`;
 * - the scopes are the token's that the user still holds.
 */
@Injectable()
export class AccessTokenVerifier implements RequestPrefetch {
  private readonly options: {
    algorithms: [typeof JWT_ALGORITHM];
    issuer: string;
    audience: string;
    complete: true;
  };

  /** The route's metadata for the prefetch, computed on its first request. */
  private readonly routeOf = perRoute((handler, target): RoutePrefetch => ({
    isPublic: this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, target]) === true,
    keyOf: this.reflector.get<ResourceKeyOf | undefined>(PREFETCHED_RESOURCE, handler),
  }));

  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly cache: ResourceCache,
    private readonly reflector: Reflector,
    @InjectConfig() config: AppConfig,
  ) {
    this.options = {
      algorithms: [JWT_ALGORITHM],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      complete: true,
    };
  }

  /**
   * RequestPrefetch, called by the first guard (the rate limit) before it counts the request:
   * checks the token (CPU only) and sends the cache reads the request will make: the caller's
   * user (liveness, credential version, scopes), their session, and the route's resource, with
   * the epoch. The rate-limit count is written in the same tick, and node-redis writes every
   * command of a tick together (one socket write in setImmediate): one round trip for all. The
   * JWT guard and the handler take these reads from the request.
   */
  start(context: ExecutionContext): void {
    const route = this.routeOf(context);
    if (route.isPublic) return;
    const request = context
      .switchToHttp()
      .getRequest<VerifyingRequest & { params?: { id?: string } }>();
    const token = bearerToken(request.headers.authorization);
    if (!token) return;
    const checked = this.check(token);
    request.checkedToken = checked;
    if (!checked) return;
    const keys = [userCacheKey(checked.publicId)];
    if (checked.claims.sid !== undefined) keys.push(sessionKey(checked.claims.sid));
    const id = route.keyOf && canonicalUuid(request.params?.id);
    if (route.keyOf && id) keys.push(route.keyOf(id));
    request.cachePrefetch = this.cache.prefetch(keys);
  }

  /**
   * The request's caller. `checked` is what start() found for this token, if it ran; `prefetch`
   * the reads it sent.
   */
  async verify(
    token: string,
    checked?: CheckedToken | null,
    prefetch?: CachePrefetch,
  ): Promise<AuthenticatedUser> {
    const valid = checked === undefined || checked?.token !== token ? this.check(token) : checked;
    if (!valid) throw new UnauthorizedException(INVALID);
    const { claims, publicId } = valid;
    const [user, session] = await Promise.all([
      this.users.findLive(publicId, prefetch),
      claims.sid === undefined ? undefined : this.sessions.state(claims.sid, prefetch),
    ]);
    if (!user || (claims.ver ?? 0) !== user.credentialVersion) {
      throw new UnauthorizedException(INVALID);
    }
    if (
      session !== undefined &&
      (!session ||
        session.revoked ||
        session.userId !== user.id ||
        session.credentialVersion !== user.credentialVersion)
    ) {
      throw new UnauthorizedException(INVALID);
    }
    const held = new Set(user.scopes);
    return {
      id: user.id,
      publicId: user.publicId,
      scopes: claims.scope.filter((scope) => held.has(scope)),
      credentialVersion: user.credentialVersion,
      sessionId: claims.sid?.toLowerCase(),
    };
  }

  /** Signature and claims, synchronously (jsonwebtoken verifies in the caller's tick). */
  private check(token: string): CheckedToken | null {
    let verified: Jwt | undefined;
    try {
      // jsonwebtoken returns the header too with `complete`; its typings know only the payload.
      verified = this.jwt.verify<object>(token, this.options) as unknown as Jwt;
    } catch {
      return null;
    }
    const claims = verified?.payload as Partial<AccessTokenClaims> | undefined;
    // The subject in the one form the cache keys and ownership checks use.
    const publicId = canonicalUuid(claims?.sub);
    if (
      !verified ||
      'crit' in verified.header ||
      !claims ||
      typeof claims !== 'object' ||
      typeof claims.exp !== 'number' ||
      publicId === null ||
      !Array.isArray(claims.scope) ||
      !claims.scope.every((scope) => typeof scope === 'string') ||
      (claims.ver !== undefined && !Number.isSafeInteger(claims.ver)) ||
      (claims.sid !== undefined && (typeof claims.sid !== 'string' || !isUUID(claims.sid)))
    ) {
      return null;
    }
    return { token, claims: claims as CheckedToken['claims'], publicId };
  }
}

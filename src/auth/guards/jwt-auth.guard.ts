import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  AccessTokenVerifier,
  bearerToken,
  type VerifyingRequest,
} from '../access-token.verifier.js';
import { AuthenticatedUser } from '../../access/authenticated-user.js';
import { IS_PUBLIC } from '../../access/public.decorator.js';
import { perRoute } from '../../common/route-metadata.js';

/**
 * Global: every route needs a valid access token unless it is marked @Public(). Written on
 * @nestjs/jwt rather than @nestjs/passport: passport keeps its strategies in one process-wide
 * registry, so two application instances in one process (as the multi-instance tests run them)
 * would verify with whichever was created last. The token was usually checked already, and the
 * caller's cache reads sent, by the first guard (AccessTokenVerifier.start).
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly isPublic = perRoute(
    (handler, target) =>
      this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, target]) === true,
  );

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: AccessTokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.isPublic(context)) return true;
    const request = context
      .switchToHttp()
      .getRequest<VerifyingRequest & { user?: AuthenticatedUser }>();
    const token = bearerToken(request.headers.authorization);
    // One answer for every failure (missing, malformed, expired, forged): the reason stays here.
    if (!token) throw new UnauthorizedException('Invalid or missing access token');
    request.user = await this.verifier.verify(token, request.checkedToken, request.cachePrefetch);
    return true;
  }
}

import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AccessTokenVerifier } from '../access-token.verifier.js';
import { AuthenticatedUser } from '../../access/authenticated-user.js';
import { IS_PUBLIC } from '../../access/public.decorator.js';

const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Global: every route needs a valid access token unless it is marked @Public(). Written on
 * @nestjs/jwt rather than @nestjs/passport: passport keeps its strategies in one process-wide
 * registry, so two application instances in one process (as the multi-instance tests run them)
 * would verify with whichever was created last.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: AccessTokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context
      .switchToHttp()
      .getRequest<FastifyRequest & { user?: AuthenticatedUser }>();
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    // One answer for every failure (missing, malformed, expired, forged): the reason stays here.
    if (!token) throw new UnauthorizedException('Invalid or missing access token');
    request.user = await this.verifier.verify(token);
    return true;
  }
}

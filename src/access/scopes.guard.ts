import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthenticatedUser } from './authenticated-user.js';
import { REQUIRED_SCOPES } from './authorize.decorator.js';
import { perRoute } from '../common/route-metadata.js';

/** Global: the token must carry every scope the route names (exact string matches). */
@Injectable()
export class ScopesGuard implements CanActivate {
  private readonly requiredOf = perRoute((handler, target) =>
    this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_SCOPES, [handler, target]),
  );

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.requiredOf(context);
    if (!required?.length) return true;
    const user = context
      .switchToHttp()
      .getRequest<FastifyRequest & { user?: AuthenticatedUser }>().user;
    const missing = required.filter((scope) => !user?.scopes.includes(scope));
    if (missing.length > 0) throw new ForbiddenException(`Missing scope: ${missing.join(' ')}`);
    return true;
  }
}

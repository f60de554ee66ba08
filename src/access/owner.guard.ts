import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { canonicalUuid } from '../common/ids/canonical-uuid.js';
import { perRoute } from '../common/route-metadata.js';
import { AuthenticatedUser, isAdmin } from './authenticated-user.js';
import { OWNED_RESOURCE } from './authorize.decorator.js';
import type { PrefetchingRequest } from '../cache/request-prefetch.js';
import type { OwnershipRule, OwnershipRuleType } from './ownership-rule.js';

type OwnedRequest = FastifyRequest<{ Params: Record<string, string | undefined> }> &
  PrefetchingRequest & { user?: AuthenticatedUser };

/**
 * Global: on routes marked with an owner rule, the caller must own the resource the rule finds
 * in the path, or hold `admin`. Runs after the JWT and scope guards. The rules are the features'
 * providers, found through the module graph (ModuleRef, not strict: they live in the features'
 * modules) once each.
 */
@Injectable()
export class OwnerGuard implements CanActivate {
  private readonly rules = new Map<OwnershipRuleType, OwnershipRule>();
  private readonly ruleTypeOf = perRoute((handler) =>
    this.reflector.get<OwnershipRuleType | undefined>(OWNED_RESOURCE, handler),
  );

  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.ruleTypeOf(context);
    if (!rule) return true;
    const request = context.switchToHttp().getRequest<OwnedRequest>();
    // Guards run before pipes: a malformed id is refused here as the pipe would (404). The id is
    // compared in its canonical form, as the token's subject and the cache keys are.
    const id = canonicalUuid(request.params[rule.param]);
    if (id === null) throw new NotFoundException('Resource not found');
    const user = request.user;
    if (!user) throw new ForbiddenException();
    if (isAdmin(user)) return true;

    const ownerId = await this.ruleOf(rule).ownerOf(id, request.cachePrefetch);
    if (ownerId === null) throw new NotFoundException(rule.notFoundMessage);
    if (ownerId !== user.publicId) throw new ForbiddenException('Not the owner of this resource');
    return true;
  }

  private ruleOf(type: OwnershipRuleType): OwnershipRule {
    const known = this.rules.get(type);
    if (known) return known;
    const rule = this.moduleRef.get<OwnershipRule>(type, { strict: false });
    this.rules.set(type, rule);
    return rule;
  }
}

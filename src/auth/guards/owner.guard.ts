import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { canonicalUuid } from '../../common/ids/canonical-uuid.js';
import { PostsService } from '../../posts/posts.service.js';
import { AuthenticatedUser, isAdmin } from '../authenticated-user.js';
import { OWNED_RESOURCE, OwnedResource } from '../decorators/authorize.decorator.js';
import { perRoute } from '../../common/route-metadata.js';

type OwnedRequest = FastifyRequest<{ Params: { id?: string } }> & { user?: AuthenticatedUser };

/**
 * Global: on routes marked with an owner, the caller must be the user in the path or the post's
 * author, or hold `admin`. Runs after the JWT and scope guards.
 */
@Injectable()
export class OwnerGuard implements CanActivate {
  private readonly resourceOf = perRoute((handler) =>
    this.reflector.get<OwnedResource | undefined>(OWNED_RESOURCE, handler),
  );

  constructor(
    private readonly reflector: Reflector,
    private readonly posts: PostsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const resource = this.resourceOf(context);
    if (!resource) return true;
    const request = context.switchToHttp().getRequest<OwnedRequest>();
    // Guards run before pipes: a malformed id is refused here as the pipe would (404). The id is
    // compared in its canonical form, as the token's subject and the cache keys are.
    const id = canonicalUuid(request.params.id);
    if (id === null) throw new NotFoundException('Resource not found');
    const user = request.user;
    if (!user) throw new ForbiddenException();
    if (isAdmin(user)) return true;

    const ownerId = resource === 'user' ? id : await this.posts.findAuthorPublicId(id);
    if (ownerId === null) throw new NotFoundException('Post not found');
    if (ownerId !== user.publicId) throw new ForbiddenException('Not the owner of this resource');
    return true;
  }
}

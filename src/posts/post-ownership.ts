import { Injectable } from '@nestjs/common';
import type { OwnershipRule } from '../access/ownership-rule.js';
import type { CachePrefetch } from '../cache/resource-cache.service.js';
import { PostsService } from './posts.service.js';

/** A post is owned by its author (from the post's cache entry). */
@Injectable()
export class PostOwnership implements OwnershipRule {
  static readonly param = 'id';
  static readonly forbiddenDescription = "the caller is neither the post's author nor an admin";
  static readonly notFoundMessage = 'Post not found';

  constructor(private readonly posts: PostsService) {}

  ownerOf(id: string, prefetch?: CachePrefetch): Promise<string | null> {
    return this.posts.findAuthorPublicId(id, prefetch);
  }
}

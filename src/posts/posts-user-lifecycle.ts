import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { UserLifecycle, UserLifecycleParticipant } from '../users/user-lifecycle.js';
import { PostsService } from './posts.service.js';

/** Posts' part in the user's writes: a deleted user's posts go with them. */
@Injectable()
export class PostsUserLifecycle implements UserLifecycleParticipant, OnModuleInit {
  constructor(
    private readonly lifecycle: UserLifecycle,
    private readonly posts: PostsService,
  ) {}

  onModuleInit(): void {
    this.lifecycle.register(this);
  }

  onUserDeleted(manager: EntityManager, userId: number): Promise<readonly string[]> {
    return this.posts.softDeleteByAuthor(manager, userId);
  }
}

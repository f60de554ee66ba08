import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ResourceCacheModule } from '../cache/resource-cache.module.js';
import { CommonModule } from '../common/common.module.js';
import { IdempotencyModule } from '../idempotency/idempotency.module.js';
import { User } from '../users/user.entity.js';
import { UsersModule } from '../users/users.module.js';
import { Post } from './post.entity.js';
import { PostsController } from './posts.controller.js';
import { PostOwnership } from './post-ownership.js';
import { PostsService } from './posts.service.js';
import { PostsUserLifecycle } from './posts-user-lifecycle.js';
import { UserPostsController } from './user-posts.controller.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([Post, User]),
    UsersModule,
    CommonModule,
    ResourceCacheModule,
    IdempotencyModule,
  ],
  controllers: [PostsController, UserPostsController],
  providers: [PostsService, PostOwnership, PostsUserLifecycle],
  exports: [PostsService],
})
export class PostsModule {}

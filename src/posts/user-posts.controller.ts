import { Body, Controller, Get, NotFoundException, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type IdempotencyClaim, IdempotencyClaimOf } from '../idempotency/idempotency-context.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import type { CreatedResponse } from '../idempotency/idempotency.service.js';
import type { FastifyReply } from 'fastify';
import { Authorize } from '../access/authorize.decorator.js';
import { ApiUuidParam, UuidParam } from '../common/decorators/uuid-param.decorator.js';
import { ApiPageResponse } from '../common/http/api-responses.decorator.js';
import { ApiCreated } from '../common/http/created-response.decorator.js';
import { replyWithEtag } from '../common/http/etag.js';
import { PageQueryDto } from '../common/pagination/page-query.dto.js';
import { CreatePostInput } from './dto/create-post.input.dto.js';
import { PostOutput } from './dto/post.output.dto.js';
import type { Post as PostEntity } from './post.entity.js';
import { postEtag, presentPost } from './post.presenter.js';
import { UserOwnership } from '../users/user-ownership.js';
import { PostsService } from './posts.service.js';
import {
  type DataEnvelope,
  envelope,
  type ListEnvelope,
  listEnvelope,
} from '../common/http/envelope.js';

/** A user's posts: /users/:id/posts. */
@ApiTags('posts')
@Controller('users/:id/posts')
export class UserPostsController {
  constructor(private readonly posts: PostsService) {}

  @Get()
  @ApiOperation({
    summary: "List a user's posts",
    description: 'Newest first; 404 if the user is unknown or deleted.',
  })
  @Authorize({ scopes: ['posts:read'] })
  @ApiUuidParam('id', "The author's public id")
  @ApiPageResponse(PostOutput, "One page of the user's posts, newest first")
  async list(
    @UuidParam() id: string,
    @Query() query: PageQueryDto,
  ): Promise<ListEnvelope<PostOutput>> {
    return listEnvelope((await this.posts.listByAuthor(id, query)).map(presentPost));
  }

  @Post()
  @ApiOperation({ summary: 'Create a post', description: 'As the user in the path (or an admin).' })
  @Authorize({ scopes: ['posts:write'], owner: UserOwnership })
  @Idempotent<UserPostsController>((controller, publicId) => controller.replayCreated(publicId))
  @ApiUuidParam('id', "The author's public id")
  @ApiCreated(PostOutput, 'Created; Location names the new post', {
    description: 'The new post: /posts/{id}',
    example: '/posts/0d9a3c1e-7b2f-4e8a-9c5d-6f1e2a3b4c5d',
  })
  async create(
    @UuidParam() id: string,
    @Body() input: CreatePostInput,
    @Res({ passthrough: true }) reply: FastifyReply,
    @IdempotencyClaimOf() claim: IdempotencyClaim | undefined,
  ): Promise<DataEnvelope<PostOutput>> {
    const created = createdPost(await this.posts.create(id, input, claim));
    void reply.header('Location', created.location);
    replyWithEtag(reply, created.etag);
    return created.body;
  }

  /** The 201 of the create of this post, rebuilt for a retry of it (null: deleted since). */
  async replayCreated(publicId: string): Promise<CreatedResponse | null> {
    const read = await this.posts.findOne(publicId).catch((error: unknown) => {
      if (error instanceof NotFoundException) return null;
      throw error;
    });
    return read && createdPost(read.value);
  }
}

function createdPost(post: PostEntity): CreatedResponse & { body: DataEnvelope<PostOutput> } {
  return {
    body: envelope(presentPost(post)),
    location: `/posts/${post.publicId}`,
    etag: postEtag(post),
  };
}

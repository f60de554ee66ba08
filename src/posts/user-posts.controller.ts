import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import type { FastifyReply } from 'fastify';
import { Authorize } from '../auth/decorators/authorize.decorator.js';
import { ApiUuidParam, UuidParam } from '../common/decorators/uuid-param.decorator.js';
import {
  ApiDataResponse,
  ApiErrorResponses,
  ApiPageResponse,
} from '../common/http/api-responses.decorator.js';
import { Page } from '../common/pagination/page.js';
import { PageQueryDto } from '../common/pagination/page-query.dto.js';
import { CreatePostInput } from './dto/create-post.input.dto.js';
import { PostOutput } from './dto/post.output.dto.js';
import { presentPost } from './post.presenter.js';
import { PostsService } from './posts.service.js';

/** A user's posts: /users/:id/posts. */
@ApiTags('posts')
@Controller('users/:id/posts')
export class UserPostsController {
  constructor(private readonly posts: PostsService) {}

  @Get()
  @Authorize({ scopes: ['posts:read'] })
  @ApiUuidParam('id', "The author's public id")
  @ApiPageResponse(PostOutput)
  @ApiErrorResponses(400, 404, 422)
  async list(@UuidParam() id: string, @Query() query: PageQueryDto): Promise<Page<PostOutput>> {
    return (await this.posts.listByAuthor(id, query)).map(presentPost);
  }

  @Post()
  @Authorize({ scopes: ['posts:write'], owner: 'user' })
  @HttpCode(201)
  @Idempotent()
  @ApiUuidParam('id', "The author's public id")
  @ApiDataResponse(201, PostOutput, 'Created; Location names the new post')
  @ApiErrorResponses(400, 404, 413, 415, 422)
  async create(
    @UuidParam() id: string,
    @Body() input: CreatePostInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PostOutput> {
    const post = await this.posts.create(id, input);
    void reply.header('Location', `/posts/${post.publicId}`);
    return presentPost(post);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Patch, Put, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { setXCache } from '../cache/x-cache-header.js';
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
import { UpdatePostInput } from './dto/update-post.input.dto.js';
import { presentPost } from './post.presenter.js';
import { PostsService } from './posts.service.js';

@ApiTags('posts')
@Controller('posts')
export class PostsController {
  constructor(private readonly posts: PostsService) {}

  @Get()
  @Authorize({ scopes: ['posts:read'] })
  @ApiPageResponse(PostOutput)
  @ApiErrorResponses(400, 422)
  async list(@Query() query: PageQueryDto): Promise<Page<PostOutput>> {
    return (await this.posts.list(query)).map(presentPost);
  }

  @Get(':id')
  @Authorize({ scopes: ['posts:read'] })
  @ApiUuidParam()
  @ApiDataResponse(200, PostOutput)
  @ApiErrorResponses(404)
  async findOne(
    @UuidParam() id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PostOutput> {
    const { value, hit } = await this.posts.findOne(id);
    setXCache(reply, hit);
    return presentPost(value);
  }

  @Put(':id')
  @Authorize({ scopes: ['posts:write'], owner: 'post' })
  @ApiUuidParam()
  @ApiDataResponse(200, PostOutput)
  @ApiErrorResponses(400, 404, 413, 415, 422)
  async replace(@UuidParam() id: string, @Body() input: CreatePostInput): Promise<PostOutput> {
    return presentPost(await this.posts.update(id, input));
  }

  @Patch(':id')
  @Authorize({ scopes: ['posts:write'], owner: 'post' })
  @ApiUuidParam()
  @ApiDataResponse(200, PostOutput)
  @ApiErrorResponses(400, 404, 413, 415, 422)
  async update(@UuidParam() id: string, @Body() input: UpdatePostInput): Promise<PostOutput> {
    return presentPost(await this.posts.update(id, input));
  }

  @Delete(':id')
  @Authorize({ scopes: ['posts:write'], owner: 'post' })
  @HttpCode(204)
  @ApiUuidParam()
  @ApiErrorResponses(404)
  async remove(@UuidParam() id: string): Promise<void> {
    await this.posts.remove(id);
  }
}

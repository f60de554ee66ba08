import { Body, Controller, Delete, Get, Patch, Put, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiXCache, setXCache } from '../cache/x-cache-header.js';
import { Authorize } from '../access/authorize.decorator.js';
import { UuidParam } from '../common/decorators/uuid-param.decorator.js';
import { ApiPageResponse } from '../common/http/api-responses.decorator.js';
import { CachePrefetchOf, PrefetchedResource } from '../cache/request-prefetch.js';
import type { CachePrefetch } from '../cache/resource-cache.service.js';
import {
  ConditionalDelete,
  ConditionalRead,
  ConditionalWrite,
  IfMatch,
  IfNoneMatch,
} from '../common/http/conditional-requests.decorator.js';
import { acceptedVersions, EntityTagCondition, replyWithEtag } from '../common/http/etag.js';
import { PageQueryDto } from '../common/pagination/page-query.dto.js';
import { PostOutput } from './dto/post.output.dto.js';
import { ReplacePostInput } from './dto/replace-post.input.dto.js';
import { UpdatePostInput } from './dto/update-post.input.dto.js';
import { Post } from './post.entity.js';
import { postEtag, postEtagSubject, presentPost } from './post.presenter.js';
import { PostOwnership } from './post-ownership.js';
import { postKey, PostsService } from './posts.service.js';
import {
  type DataEnvelope,
  envelope,
  type ListEnvelope,
  listEnvelope,
} from '../common/http/envelope.js';

@ApiTags('posts')
@Controller('posts')
export class PostsController {
  constructor(private readonly posts: PostsService) {}

  @Get()
  @ApiOperation({ summary: 'List all posts', description: 'Newest first.' })
  @Authorize({ scopes: ['posts:read'] })
  @ApiPageResponse(PostOutput, 'One page of posts, newest first')
  async list(@Query() query: PageQueryDto): Promise<ListEnvelope<PostOutput>> {
    return listEnvelope((await this.posts.list(query)).map(presentPost));
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a post', description: 'Cache-aside (X-Cache).' })
  @Authorize({ scopes: ['posts:read'] })
  @PrefetchedResource(postKey)
  @ConditionalRead(PostOutput, 'The post')
  @ApiXCache()
  async findOne(
    @UuidParam() id: string,
    @IfNoneMatch() ifNoneMatch: EntityTagCondition | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CachePrefetchOf() prefetch: CachePrefetch | undefined,
  ): Promise<DataEnvelope<PostOutput> | undefined> {
    const { value, hit } = await this.posts.findOne(id, prefetch);
    setXCache(reply, hit);
    if (replyWithEtag(reply, postEtag(value), ifNoneMatch)) return undefined; // 304
    return envelope(presentPost(value));
  }

  @Put(':id')
  @ApiOperation({ summary: 'Replace a post', description: 'Both fields are required.' })
  @Authorize({ scopes: ['posts:write'], owner: PostOwnership })
  @PrefetchedResource(postKey)
  @ConditionalWrite(PostOutput, 'Replaced: the post as stored now')
  async replace(
    @UuidParam() id: string,
    @Body() input: ReplacePostInput,
    @IfMatch() ifMatch: EntityTagCondition | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DataEnvelope<PostOutput>> {
    const versions = acceptedVersions(ifMatch, postEtagSubject(id));
    return respond(await this.posts.update(id, input, versions), reply);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Update a post', description: 'Any of the fields.' })
  @Authorize({ scopes: ['posts:write'], owner: PostOwnership })
  @PrefetchedResource(postKey)
  @ConditionalWrite(PostOutput, 'Updated: the post as stored now')
  async update(
    @UuidParam() id: string,
    @Body() input: UpdatePostInput,
    @IfMatch() ifMatch: EntityTagCondition | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DataEnvelope<PostOutput>> {
    const versions = acceptedVersions(ifMatch, postEtagSubject(id));
    return respond(await this.posts.update(id, input, versions), reply);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a post', description: 'Soft delete.' })
  @Authorize({ scopes: ['posts:write'], owner: PostOwnership })
  @PrefetchedResource(postKey)
  @ConditionalDelete('Deleted')
  async remove(
    @UuidParam() id: string,
    @IfMatch() ifMatch: EntityTagCondition | undefined,
  ): Promise<void> {
    await this.posts.remove(id, acceptedVersions(ifMatch, postEtagSubject(id)));
  }
}

/** The post, with the ETag of its representation. */
function respond(post: Post, reply: FastifyReply): DataEnvelope<PostOutput> {
  replyWithEtag(reply, postEtag(post));
  return envelope(presentPost(post));
}

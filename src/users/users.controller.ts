import {
  Body,
  Controller,
  Delete,
  Get,
  NotFoundException,
  Patch,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type IdempotencyClaim, IdempotencyClaimOf } from '../idempotency/idempotency-context.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import type { CreatedResponse } from '../idempotency/idempotency.service.js';
import type { FastifyReply } from 'fastify';
import type { AuthenticatedUser } from '../access/authenticated-user.js';
import { Authorize } from '../access/authorize.decorator.js';
import { CurrentUser } from '../access/current-user.decorator.js';
import { Public } from '../access/public.decorator.js';
import { UuidParam } from '../common/decorators/uuid-param.decorator.js';
import { ApiErrorResponse, ApiPageResponse } from '../common/http/api-responses.decorator.js';
import { ApiCreated } from '../common/http/created-response.decorator.js';
import {
  ConditionalDelete,
  ConditionalRead,
  ConditionalWrite,
  IfMatch,
  IfNoneMatch,
} from '../common/http/conditional-requests.decorator.js';
import { acceptedVersions, EntityTagCondition, replyWithEtag } from '../common/http/etag.js';
import { PageQueryDto } from '../common/pagination/page-query.dto.js';
import { CreateUserInput } from './dto/create-user.input.dto.js';
import { ReplaceUserInput } from './dto/replace-user.input.dto.js';
import { UpdateUserInput } from './dto/update-user.input.dto.js';
import { UserOutput } from './dto/user.output.dto.js';
import { User } from './user.entity.js';
import { presentUser, userEtag, userEtagSubject } from './user.presenter.js';
import { UsersService } from './users.service.js';
import { ApiXCache, setXCache } from '../cache/x-cache-header.js';
import { userCacheKey } from './user-cache-key.js';
import { UserOwnership } from './user-ownership.js';
import { CachePrefetchOf, PrefetchedResource } from '../cache/request-prefetch.js';
import type { CachePrefetch } from '../cache/resource-cache.service.js';
import { SignupRateLimit } from '../rate-limit/auth-rate-limit.decorator.js';
import { answeringRetryAfter } from '../rate-limit/login-attempts.service.js';
import {
  type DataEnvelope,
  envelope,
  type ListEnvelope,
  listEnvelope,
} from '../common/http/envelope.js';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({
    summary: 'List users',
    description:
      'Newest first. Others are shown without email and scopes; the caller and admins see them.',
  })
  @Authorize({ scopes: ['users:read'] })
  @ApiPageResponse(UserOutput, 'One page of users, newest first')
  async list(
    @Query() query: PageQueryDto,
    @CurrentUser() viewer: AuthenticatedUser,
  ): Promise<ListEnvelope<UserOutput>> {
    return listEnvelope((await this.users.list(query)).map((user) => presentUser(user, viewer)));
  }

  @Post()
  @ApiOperation({
    summary: 'Sign up',
    description:
      'Public. The new user gets the scopes users:read users:write posts:read posts:write. Has its own, stricter rate limit per client IP (SIGNUP_RATE_LIMIT_MAX).',
  })
  @Public()
  @SignupRateLimit()
  @ApiErrorResponse(
    409,
    'CONFLICT: the email is already in use; or a request with this Idempotency-Key is still being processed',
  )
  @Idempotent<UsersController>((controller, publicId) => controller.replayCreated(publicId))
  @ApiCreated(UserOutput, 'Signed up; Location names the new user', {
    description: 'The new user: /users/{id}',
    example: '/users/5b7c0e44-4d4b-4a2e-9d8e-1f0c2a3b4c5d',
  })
  async create(
    @Body() input: CreateUserInput,
    @Res({ passthrough: true }) reply: FastifyReply,
    @IdempotencyClaimOf() claim: IdempotencyClaim | undefined,
  ): Promise<DataEnvelope<UserOutput>> {
    const created = createdUser(await this.users.create(input, undefined, claim));
    void reply.header('Location', created.location);
    replyWithEtag(reply, created.etag);
    return created.body;
  }

  /** The 201 of the sign-up of this user, rebuilt for a retry of it (null: deleted since). */
  async replayCreated(publicId: string): Promise<CreatedResponse | null> {
    const read = await this.users.findOne(publicId).catch((error: unknown) => {
      if (error instanceof NotFoundException) return null;
      throw error;
    });
    return read && createdUser(read.value);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Get a user',
    description: 'Cache-aside (X-Cache). Email and scopes only for the user themself and admins.',
  })
  @Authorize({ scopes: ['users:read'] })
  @PrefetchedResource(userCacheKey)
  @ConditionalRead(UserOutput, 'The user')
  @ApiXCache()
  async findOne(
    @UuidParam() id: string,
    @CurrentUser() viewer: AuthenticatedUser,
    @IfNoneMatch() ifNoneMatch: EntityTagCondition | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CachePrefetchOf() prefetch: CachePrefetch | undefined,
  ): Promise<DataEnvelope<UserOutput> | undefined> {
    const { value, hit } = await this.users.findOne(id, prefetch);
    setXCache(reply, hit);
    if (replyWithEtag(reply, userEtag(value, viewer), ifNoneMatch)) return undefined; // 304
    return envelope(presentUser(value, viewer));
  }

  @Put(':id')
  @ApiOperation({
    summary: 'Replace a user',
    description:
      'Every mutable field is required. Changing your own email needs current_password; an admin changing another user needs none.',
  })
  @ApiErrorResponse(409, 'CONFLICT: the email is already in use by another user')
  @ApiErrorResponse(
    403,
    'FORBIDDEN: the token lacks the scope users:write; or the caller is neither this user nor an admin; or current_password is wrong',
  )
  @Authorize({ scopes: ['users:write'], owner: UserOwnership })
  @ConditionalWrite(UserOutput, 'Replaced: the user as stored now')
  async replace(
    @UuidParam() id: string,
    @Body() input: ReplaceUserInput,
    @CurrentUser() viewer: AuthenticatedUser,
    @IfMatch() ifMatch: EntityTagCondition | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DataEnvelope<UserOutput>> {
    const versions = acceptedVersions(ifMatch, userEtagSubject(id, viewer));
    const user = await answeringRetryAfter(reply, this.users.replace(id, input, viewer, versions));
    return this.respond(user, viewer, reply);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Update a user',
    description:
      'Any of the fields; scopes only by an admin. Changing your own email or password needs current_password (an admin changing another user needs none). A new password revokes every session of the user and every access token issued before it.',
  })
  @ApiErrorResponse(409, 'CONFLICT: the email is already in use by another user')
  @ApiErrorResponse(
    403,
    'FORBIDDEN: the token lacks the scope users:write; or the caller is neither this user nor an admin; or a non-admin sent scopes; or current_password is wrong',
  )
  @Authorize({ scopes: ['users:write'], owner: UserOwnership })
  @ConditionalWrite(UserOutput, 'Updated: the user as stored now')
  async update(
    @UuidParam() id: string,
    @Body() input: UpdateUserInput,
    @CurrentUser() viewer: AuthenticatedUser,
    @IfMatch() ifMatch: EntityTagCondition | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DataEnvelope<UserOutput>> {
    const versions = acceptedVersions(ifMatch, userEtagSubject(id, viewer));
    const user = await answeringRetryAfter(reply, this.users.update(id, input, viewer, versions));
    return this.respond(user, viewer, reply);
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Delete a user',
    description:
      'Soft delete of the user and their posts, in one transaction; their tokens are refused from then on.',
  })
  @Authorize({ scopes: ['users:write'], owner: UserOwnership })
  @ConditionalDelete("Deleted, with the user's posts")
  async remove(
    @UuidParam() id: string,
    @CurrentUser() viewer: AuthenticatedUser,
    @IfMatch() ifMatch: EntityTagCondition | undefined,
  ): Promise<void> {
    await this.users.remove(id, acceptedVersions(ifMatch, userEtagSubject(id, viewer)));
  }

  /** The user as the viewer sees them, with the ETag of that representation. */
  private respond(
    user: User,
    viewer: AuthenticatedUser,
    reply: FastifyReply,
  ): DataEnvelope<UserOutput> {
    replyWithEtag(reply, userEtag(user, viewer));
    return envelope(presentUser(user, viewer));
  }
}

/** A sign-up's 201. The new user is the one who asked: they see their own email and scopes. */
function createdUser(user: User): CreatedResponse & { body: DataEnvelope<UserOutput> } {
  // The new user is the one who asked: they see their own email and scopes.
  const self: AuthenticatedUser = {
    id: user.id,
    publicId: user.publicId,
    scopes: user.scopes,
    credentialVersion: user.credentialVersion,
  };
  return {
    body: envelope(presentUser(user, self)),
    location: `/users/${user.publicId}`,
    etag: userEtag(user, self),
  };
}

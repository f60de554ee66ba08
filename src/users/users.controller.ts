import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Patch,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import type { FastifyReply } from 'fastify';
import type { AuthenticatedUser } from '../auth/authenticated-user.js';
import { Authorize } from '../auth/decorators/authorize.decorator.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import { Public } from '../auth/decorators/public.decorator.js';
import { UuidParam, ApiUuidParam } from '../common/decorators/uuid-param.decorator.js';
import {
  ApiDataResponse,
  ApiErrorResponses,
  ApiPageResponse,
} from '../common/http/api-responses.decorator.js';
import { Page } from '../common/pagination/page.js';
import { PageQueryDto } from '../common/pagination/page-query.dto.js';
import { CreateUserInput } from './dto/create-user.input.dto.js';
import { ReplaceUserInput } from './dto/replace-user.input.dto.js';
import { UpdateUserInput } from './dto/update-user.input.dto.js';
import { UserOutput } from './dto/user.output.dto.js';
import { presentUser } from './user.presenter.js';
import { UsersService } from './users.service.js';
import { setXCache } from '../cache/x-cache-header.js';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @Authorize({ scopes: ['users:read'] })
  @ApiPageResponse(UserOutput)
  @ApiErrorResponses(400, 422)
  async list(
    @Query() query: PageQueryDto,
    @CurrentUser() viewer: AuthenticatedUser,
  ): Promise<Page<UserOutput>> {
    return (await this.users.list(query)).map((user) => presentUser(user, viewer));
  }

  @Post()
  @Public()
  @HttpCode(201)
  @Idempotent()
  @ApiDataResponse(201, UserOutput, 'Signed up; Location names the new user')
  @ApiErrorResponses(400, 409, 413, 415, 422)
  async create(
    @Body() input: CreateUserInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserOutput> {
    const user = await this.users.create(input);
    void reply.header('Location', `/users/${user.publicId}`);
    // The new user is the one who asked: they see their own email and scopes.
    return presentUser(user, { id: user.id, publicId: user.publicId, scopes: user.scopes });
  }

  @Get(':id')
  @Authorize({ scopes: ['users:read'] })
  @ApiUuidParam()
  @ApiDataResponse(200, UserOutput)
  @ApiErrorResponses(404)
  async findOne(
    @UuidParam() id: string,
    @CurrentUser() viewer: AuthenticatedUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserOutput> {
    const { value, hit } = await this.users.findOne(id);
    setXCache(reply, hit);
    return presentUser(value, viewer);
  }

  @Put(':id')
  @Authorize({ scopes: ['users:write'], owner: 'user' })
  @ApiUuidParam()
  @ApiDataResponse(200, UserOutput)
  @ApiErrorResponses(400, 404, 409, 413, 415, 422)
  async replace(
    @UuidParam() id: string,
    @Body() input: ReplaceUserInput,
    @CurrentUser() viewer: AuthenticatedUser,
  ): Promise<UserOutput> {
    return presentUser(await this.users.replace(id, input), viewer);
  }

  @Patch(':id')
  @Authorize({ scopes: ['users:write'], owner: 'user' })
  @ApiUuidParam()
  @ApiDataResponse(200, UserOutput)
  @ApiErrorResponses(400, 404, 409, 413, 415, 422)
  async update(
    @UuidParam() id: string,
    @Body() input: UpdateUserInput,
    @CurrentUser() viewer: AuthenticatedUser,
  ): Promise<UserOutput> {
    return presentUser(await this.users.update(id, input, viewer), viewer);
  }

  @Delete(':id')
  @Authorize({ scopes: ['users:write'], owner: 'user' })
  @HttpCode(204)
  @ApiUuidParam()
  @ApiErrorResponses(404)
  async remove(@UuidParam() id: string): Promise<void> {
    await this.users.remove(id);
  }
}

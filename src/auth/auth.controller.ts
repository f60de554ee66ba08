import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiDataResponse, ApiErrorResponses } from '../common/http/api-responses.decorator.js';
import {
  ApiIfNoneMatch,
  ApiTaggedDataResponse,
  IfNoneMatch,
} from '../common/http/conditional-requests.decorator.js';
import { EntityTagCondition, replyWithEtag } from '../common/http/etag.js';
import { UserOutput } from '../users/dto/user.output.dto.js';
import { presentUser, userEtag } from '../users/user.presenter.js';
import { UsersService } from '../users/users.service.js';
import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator.js';
import { answeringRetryAfter } from '../rate-limit/login-attempts.service.js';
import { AuthService } from './auth.service.js';
import type { AuthenticatedUser } from '../access/authenticated-user.js';
import { Authorize } from '../access/authorize.decorator.js';
import { CurrentUser } from '../access/current-user.decorator.js';
import { Public } from '../access/public.decorator.js';
import { RefreshTokenInput } from './dto/refresh-token.input.dto.js';
import { TokenRequestInput } from './dto/token-request.input.dto.js';
import { TokenOutput } from './dto/token.output.dto.js';
import { type DataEnvelope, envelope } from '../common/http/envelope.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Post('token')
  @ApiOperation({
    summary: 'Log in',
    description:
      'An access token and a refresh token for an email and password; starts a session (GET /auth/sessions). Has its own, stricter rate limit per client IP (AUTH_RATE_LIMIT_MAX), and a limit of failed logins per account whatever the address (AUTH_ACCOUNT_RATE_LIMIT_MAX): over either, 429.',
  })
  @Public()
  @AuthRateLimit()
  @HttpCode(200)
  @ApiDataResponse(200, TokenOutput, 'Logged in')
  @ApiErrorResponses(401)
  async login(
    @Body() input: TokenRequestInput,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DataEnvelope<TokenOutput>> {
    const origin = { userAgent: request.headers['user-agent'], ip: request.ip };
    return envelope(
      await answeringRetryAfter(reply, this.auth.login(input.email, input.password, origin)),
    );
  }

  @Post('refresh')
  @ApiOperation({
    summary: 'Refresh the tokens',
    description:
      'A new pair for a refresh token, which is spent; presenting a spent one revokes its whole family.',
  })
  @Public()
  @HttpCode(200)
  @ApiDataResponse(200, TokenOutput, 'A new token pair; the presented refresh token is spent')
  @ApiErrorResponses(401)
  async refresh(@Body() input: RefreshTokenInput): Promise<DataEnvelope<TokenOutput>> {
    return envelope(await this.auth.refresh(input.refresh_token));
  }

  @Post('logout')
  @ApiOperation({
    summary: 'Log out',
    description:
      "Revokes the refresh token's session: the refresh token and the session's access tokens are refused from then on.",
  })
  @Public()
  @HttpCode(204)
  @ApiNoContentResponse({ description: "The refresh token's family is revoked" })
  async logout(@Body() input: RefreshTokenInput): Promise<void> {
    await this.auth.logout(input.refresh_token);
  }

  @Get('me')
  @ApiOperation({ summary: 'Who am I', description: 'The caller, as they see themself.' })
  @Authorize({ scopes: [] })
  @ApiIfNoneMatch()
  @ApiTaggedDataResponse(200, UserOutput, 'The caller')
  async me(
    @CurrentUser() caller: AuthenticatedUser,
    @IfNoneMatch() ifNoneMatch: EntityTagCondition | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DataEnvelope<UserOutput> | undefined> {
    const user = (await this.users.findOne(caller.publicId)).value;
    if (replyWithEtag(reply, userEtag(user, caller), ifNoneMatch)) return undefined; // 304
    return envelope(presentUser(user, caller));
  }
}

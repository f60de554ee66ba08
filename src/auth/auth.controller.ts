import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { ApiDataResponse, ApiErrorResponses } from '../common/http/api-responses.decorator.js';
import { UserOutput } from '../users/dto/user.output.dto.js';
import { presentUser } from '../users/user.presenter.js';
import { UsersService } from '../users/users.service.js';
import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator.js';
import { AuthService } from './auth.service.js';
import type { AuthenticatedUser } from './authenticated-user.js';
import { Authorize } from './decorators/authorize.decorator.js';
import { CurrentUser } from './decorators/current-user.decorator.js';
import { Public } from './decorators/public.decorator.js';
import { RefreshTokenInput } from './dto/refresh-token.input.dto.js';
import { TokenRequestInput } from './dto/token-request.input.dto.js';
import { TokenOutput } from './dto/token.output.dto.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Post('token')
  @Public()
  @AuthRateLimit()
  @HttpCode(200)
  @ApiDataResponse(200, TokenOutput, 'Logged in')
  @ApiErrorResponses(400, 401, 413, 415, 422)
  login(@Body() input: TokenRequestInput): Promise<TokenOutput> {
    return this.auth.login(input.email, input.password);
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiDataResponse(200, TokenOutput, 'A new token pair; the presented refresh token is spent')
  @ApiErrorResponses(400, 401, 413, 415, 422)
  refresh(@Body() input: RefreshTokenInput): Promise<TokenOutput> {
    return this.auth.refresh(input.refresh_token);
  }

  @Post('logout')
  @Public()
  @HttpCode(204)
  @ApiNoContentResponse({ description: "The refresh token's family is revoked" })
  @ApiErrorResponses(400, 413, 415, 422)
  async logout(@Body() input: RefreshTokenInput): Promise<void> {
    await this.auth.logout(input.refresh_token);
  }

  @Get('me')
  @Authorize({ scopes: [] })
  @ApiDataResponse(200, UserOutput, 'The caller')
  async me(@CurrentUser() caller: AuthenticatedUser): Promise<UserOutput> {
    return presentUser((await this.users.findOne(caller.publicId)).value, caller);
  }
}

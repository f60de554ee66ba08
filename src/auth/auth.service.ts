import { Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/inject-config.decorator.js';
import { PasswordService } from '../users/password.service.js';
import { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { TokenOutput } from './dto/token.output.dto.js';
import { RefreshTokensService } from './refresh-tokens.service.js';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly refreshTokens: RefreshTokensService,
    private readonly jwt: JwtService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /**
   * Password login. An unknown email is verified against a dummy hash, so it costs the same and
   * answers the same 401 as a wrong password.
   */
  async login(email: string, password: string): Promise<TokenOutput> {
    const user = await this.users.findForLogin(email);
    const valid = await this.passwords.verify(user?.passwordHash, password);
    if (!user || !valid) throw new UnauthorizedException('Invalid email or password');
    return this.tokensFor(user, await this.refreshTokens.issue(user.id));
  }

  async refresh(refreshToken: string): Promise<TokenOutput> {
    const { user, token } = await this.refreshTokens.rotate(refreshToken);
    return this.tokensFor(user, token);
  }

  logout(refreshToken: string): Promise<void> {
    return this.refreshTokens.revoke(refreshToken);
  }

  private async tokensFor(user: User, refreshToken: string): Promise<TokenOutput> {
    const accessToken = await this.jwt.signAsync({ sub: user.publicId, scope: user.scopes });
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.config.jwt.accessTokenTtlSeconds,
      refresh_token: refreshToken,
      scope: user.scopes.join(' '),
    };
  }
}

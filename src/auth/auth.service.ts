import { Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/inject-config.decorator.js';
import { LoginAttempts } from '../rate-limit/login-attempts.service.js';
import type { SessionOrigin } from '../sessions/sessions.service.js';
import { PasswordService } from '../users/password.service.js';
import { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { TokenOutput } from './dto/token.output.dto.js';
import { IssuedRefreshToken, RefreshTokensService } from './refresh-tokens.service.js';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly refreshTokens: RefreshTokensService,
    private readonly attempts: LoginAttempts,
    private readonly jwt: JwtService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /**
   * Password login, which starts a session. An unknown email is verified against a dummy hash,
   * so it costs the same and answers the same 401 as a wrong password. Every attempt counts
   * against the account's budget of failed logins until the password proves right; over it,
   * 429 before any hash is computed (AccountRateLimitedException).
   */
  async login(email: string, password: string, origin: SessionOrigin): Promise<TokenOutput> {
    const attempt = await this.attempts.begin(email);
    const user = await this.users.findForLogin(email);
    const valid = await this.passwords.verify(user?.passwordHash, password);
    if (!user || !valid) throw new UnauthorizedException('Invalid email or password');
    await attempt.succeeded();
    return this.tokensFor(user, await this.refreshTokens.issue(user, origin));
  }

  async refresh(refreshToken: string): Promise<TokenOutput> {
    const { user, issued } = await this.refreshTokens.rotate(refreshToken);
    return this.tokensFor(user, issued);
  }

  logout(refreshToken: string): Promise<void> {
    return this.refreshTokens.revoke(refreshToken);
  }

  /** `sid` names the session, `ver` the credential version the token is good for. */
  private async tokensFor(user: User, refresh: IssuedRefreshToken): Promise<TokenOutput> {
    const accessToken = await this.jwt.signAsync({
      sub: user.publicId,
      scope: user.scopes,
      sid: refresh.sessionId,
      ver: user.credentialVersion,
    });
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.config.jwt.accessTokenTtlSeconds,
      refresh_token: refresh.token,
      scope: user.scopes.join(' '),
    };
  }
}

import { Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { canonicalUuid } from '../common/ids/canonical-uuid.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/inject-config.decorator.js';
import { UsersService } from '../users/users.service.js';
import { AccessTokenClaims } from './access-token-claims.js';
import { AuthenticatedUser } from './authenticated-user.js';
import { JWT_ALGORITHM } from './jwt-key.js';

/**
 * Verifies an access token: HS256 only (so `alg: none` and every other algorithm fail), the
 * signature, `exp` (required), `nbf`, `iss` and `aud`, the claims' shapes, and that the user still
 * exists (a deleted user's tokens stop working at once; the lookup is cached).
 */
@Injectable()
export class AccessTokenVerifier {
  private readonly options: {
    algorithms: [typeof JWT_ALGORITHM];
    issuer: string;
    audience: string;
  };

  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersService,
    @InjectConfig() config: AppConfig,
  ) {
    this.options = {
      algorithms: [JWT_ALGORITHM],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
    };
  }

  async verify(token: string): Promise<AuthenticatedUser> {
    const claims = await this.jwt
      .verifyAsync<Partial<AccessTokenClaims>>(token, this.options)
      .catch(() => undefined);
    // The subject in the one form the cache keys and ownership checks use.
    const publicId = canonicalUuid(claims?.sub);
    if (
      !claims ||
      typeof claims.exp !== 'number' ||
      publicId === null ||
      !Array.isArray(claims.scope) ||
      !claims.scope.every((scope) => typeof scope === 'string')
    ) {
      throw new UnauthorizedException('Invalid or missing access token');
    }
    const id = await this.users.findLiveId(publicId);
    if (id === null) throw new UnauthorizedException('Invalid or missing access token');
    return { id, publicId, scopes: claims.scope };
  }
}

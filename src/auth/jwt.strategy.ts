import { Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/inject-config.decorator.js';
import { UsersService } from '../users/users.service.js';
import { AccessTokenClaims } from './access-token-claims.js';
import { AuthenticatedUser } from './authenticated-user.js';
import { JWT_ALGORITHM, jwtKey } from './jwt-key.js';

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @InjectConfig() config: AppConfig,
    private readonly users: UsersService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // passport-jwt reads issuer, audience and algorithms only at this top level; set inside
      // jsonWebTokenOptions they are silently ignored.
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      algorithms: [JWT_ALGORITHM],
      ignoreExpiration: false,
      // jsonwebtoken accepts a KeyObject; passport-jwt's types only name string | Buffer.
      secretOrKey: jwtKey(config.jwt.secret) as unknown as Buffer,
    });
  }

  /** Runs after the signature, exp, nbf, iss and aud checks; refuses what they let through. */
  async validate(claims: Partial<AccessTokenClaims>): Promise<AuthenticatedUser> {
    if (
      typeof claims.exp !== 'number' ||
      typeof claims.sub !== 'string' ||
      !Array.isArray(claims.scope) ||
      !claims.scope.every((scope) => typeof scope === 'string')
    ) {
      throw new UnauthorizedException('Invalid token');
    }
    // A deleted user's tokens stop working at once.
    const id = await this.users.findLiveId(claims.sub);
    if (id === null) throw new UnauthorizedException('Invalid token');
    return { id, publicId: claims.sub, scopes: claims.scope };
  }
}

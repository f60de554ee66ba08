import { Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { isUUID } from 'class-validator';
import type { Jwt } from 'jsonwebtoken';
import { canonicalUuid } from '../common/ids/canonical-uuid.js';
import type { AppConfig } from '../config/app-config.js';
import { InjectConfig } from '../config/inject-config.decorator.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { UsersService } from '../users/users.service.js';
import { AccessTokenClaims } from './access-token-claims.js';
import { AuthenticatedUser } from '../access/authenticated-user.js';
import { JWT_ALGORITHM } from './jwt-key.js';

const INVALID = 'Invalid or missing access token';

/**
 * Verifies an access token: HS256 only (so `alg: none` and every other algorithm fail), the
 * signature, `exp` (required), `nbf`, `iss` and `aud`, no `crit` header (RFC 7515 §4.1.11: the
 * service understands no extension, so a token that makes one critical is refused), the
 * claims' shapes, and then the account as it is now (both lookups cached, invalidated by every
 * write on any instance):
 * - the user still exists (a deleted user's tokens stop working at once);
 * - the token's `ver` (absent: 0) is the user's credential version: a password change refuses
 *   every token issued before it;
 * - the token's session (`sid`), if it names one, is live: revoking a session stops its access
 *   tokens at once. Tokens without `sid` (issued before sessions existed) are bounded by `ver`;
 * - the scopes are the token's that the user still holds.
 */
@Injectable()
export class AccessTokenVerifier {
  private readonly options: {
    algorithms: [typeof JWT_ALGORITHM];
    issuer: string;
    audience: string;
    complete: true;
  };

  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    @InjectConfig() config: AppConfig,
  ) {
    this.options = {
      algorithms: [JWT_ALGORITHM],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      complete: true,
    };
  }

  async verify(token: string): Promise<AuthenticatedUser> {
    // jsonwebtoken returns the header too with `complete`; its typings know only the payload.
    const verified = (await this.jwt
      .verifyAsync<object>(token, this.options)
      .catch(() => undefined)) as Jwt | undefined;
    const claims = verified?.payload as Partial<AccessTokenClaims> | undefined;
    // The subject in the one form the cache keys and ownership checks use.
    const publicId = canonicalUuid(claims?.sub);
    if (
      !verified ||
      'crit' in verified.header ||
      !claims ||
      typeof claims !== 'object' ||
      typeof claims.exp !== 'number' ||
      publicId === null ||
      !Array.isArray(claims.scope) ||
      !claims.scope.every((scope) => typeof scope === 'string') ||
      (claims.ver !== undefined && !Number.isSafeInteger(claims.ver)) ||
      (claims.sid !== undefined && (typeof claims.sid !== 'string' || !isUUID(claims.sid)))
    ) {
      throw new UnauthorizedException(INVALID);
    }
    const [user, session] = await Promise.all([
      this.users.findLive(publicId),
      claims.sid === undefined ? undefined : this.sessions.state(claims.sid),
    ]);
    if (!user || (claims.ver ?? 0) !== user.credentialVersion) {
      throw new UnauthorizedException(INVALID);
    }
    if (
      session !== undefined &&
      (!session ||
        session.revoked ||
        session.userId !== user.id ||
        session.credentialVersion !== user.credentialVersion)
    ) {
      throw new UnauthorizedException(INVALID);
    }
    const held = new Set(user.scopes);
    return {
      id: user.id,
      publicId: user.publicId,
      scopes: claims.scope.filter((scope) => held.has(scope)),
      credentialVersion: user.credentialVersion,
      sessionId: claims.sid?.toLowerCase(),
    };
  }
}

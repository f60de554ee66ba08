import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorEnvelopeDto } from '../common/errors/error-envelope.dto.js';
import type { OwnershipRuleType } from './ownership-rule.js';
import { Scope } from './scopes.js';

export const REQUIRED_SCOPES = 'auth:scopes';
export const OWNED_RESOURCE = 'auth:owner';

export interface AuthorizeOptions {
  /** Every one of these scopes is required (exact matches). */
  scopes: Scope[];
  /** The caller must own the resource in the path, as this rule finds it (`admin` passes too). */
  owner?: OwnershipRuleType;
}

/**
 * The one decorator a protected route carries: scopes and ownership for the global guards, and
 * the bearer security scheme and 401/403 responses for the OpenAPI document.
 */
export function Authorize({ scopes, owner }: AuthorizeOptions): MethodDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_SCOPES, scopes),
    ...(owner ? [SetMetadata(OWNED_RESOURCE, owner)] : []),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({
      description:
        'UNAUTHORIZED: missing, malformed, expired or forged token, or its user has been deleted',
      type: ErrorEnvelopeDto,
    }),
    // Any valid token passes a route that names no scope and no owner: no 403 there.
    ...(scopes.length > 0 || owner
      ? [
          ApiForbiddenResponse({
            description: [
              scopes.length > 0 ? `FORBIDDEN: the token lacks the scope ${scopes.join(' ')}` : '',
              owner?.forbiddenDescription ?? '',
            ]
              .filter(Boolean)
              .join('; or '),
            type: ErrorEnvelopeDto,
          }),
        ]
      : []),
  );
}

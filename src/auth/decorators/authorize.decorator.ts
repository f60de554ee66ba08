import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorEnvelopeDto } from '../../common/errors/error-envelope.dto.js';
import { Scope } from '../scopes.js';

export const REQUIRED_SCOPES = 'auth:scopes';
export const OWNED_RESOURCE = 'auth:owner';

/** What the `:id` path parameter names, for the owner check. */
export type OwnedResource = 'user' | 'post';

export interface AuthorizeOptions {
  /** Every one of these scopes is required (exact matches). */
  scopes: Scope[];
  /** The caller must own the resource in the path (`admin` passes too). */
  owner?: OwnedResource;
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
      description: 'Missing, malformed, expired or forged token',
      type: ErrorEnvelopeDto,
    }),
    ApiForbiddenResponse({
      description: owner ? 'Missing scope, or not the owner' : 'Missing scope',
      type: ErrorEnvelopeDto,
    }),
  );
}

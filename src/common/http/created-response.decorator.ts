import { applyDecorators, HttpCode, Type } from '@nestjs/common';
import { ApiResponseHeader } from './api-response-header.decorator.js';
import { ApiTaggedDataResponse } from './conditional-requests.decorator.js';

/** Where a create's Location points, as the OpenAPI document shows it. */
export interface CreatedLocation {
  /** What the new resource's URL looks like, e.g. `The new post: /posts/{id}`. */
  description: string;
  example: string;
}

/**
 * A create answering 201 with the new resource, its ETag and its Location (the handler sets
 * both headers). Goes below @Idempotent(), whose Idempotent-Replayed header is listed after
 * Location.
 */
export function ApiCreated(
  model: Type<unknown>,
  description: string,
  location: CreatedLocation,
): MethodDecorator {
  return applyDecorators(
    ApiTaggedDataResponse(201, model, description),
    ApiResponseHeader(201, 'Location', {
      description: location.description,
      required: true,
      schema: { type: 'string', example: location.example },
    }),
    HttpCode(201),
  );
}

import { applyDecorators, HttpStatus, Type } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { HeadersObject } from '@nestjs/swagger';
import { ErrorEnvelopeDto } from '../errors/error-envelope.dto.js';

/** `{ data: T }` in the OpenAPI document, with the response headers given. */
export function ApiDataResponse(
  status: number,
  model: Type<unknown>,
  description: string,
  headers?: HeadersObject,
): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(model),
    ApiResponse({
      status,
      description,
      ...(headers ? { headers } : {}),
      schema: {
        type: 'object',
        required: ['data'],
        properties: { data: { $ref: getSchemaPath(model) } },
      },
    }),
  );
}

/**
 * What `meta` looks like on the first page of a list in offset mode (the default), as Swagger UI
 * shows it. The cursor is a real one (sealed by CursorCodec), so it looks like what clients get.
 */
export const PAGE_META_EXAMPLE = {
  page: 1,
  per_page: 20,
  total: 42,
  next_cursor: 'R-ly9AEcZwBLoLHZhWl-UmHL3qUGp4bfj8cpY6-ezPrsupxJl30nW4YDXOc9djCwQWYsPg',
} as const;

/** `{ data: T[], meta }` in the OpenAPI document. */
export function ApiPageResponse(model: Type<unknown>, description: string): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(model),
    ApiResponse({
      status: HttpStatus.OK,
      description,
      schema: {
        type: 'object',
        required: ['data', 'meta'],
        properties: {
          data: { type: 'array', items: { $ref: getSchemaPath(model) } },
          meta: {
            type: 'object',
            required: ['per_page', 'total', 'next_cursor'],
            example: PAGE_META_EXAMPLE,
            properties: {
              page: { type: 'integer', description: 'Offset mode only' },
              per_page: { type: 'integer' },
              total: { type: 'integer' },
              total_is_estimate: {
                type: 'boolean',
                description: 'Present when total is the planner estimate',
              },
              next_cursor: {
                type: 'string',
                nullable: true,
                description:
                  'Pass as `cursor` for the next page (keyset mode); null on the last page',
              },
            },
          },
        },
      },
    }),
  );
}

/** Error responses with the error envelope, by status. */
export function ApiErrorResponses(...statuses: number[]): MethodDecorator {
  return applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, type: ErrorEnvelopeDto })),
  );
}

/** One error response with the error envelope, saying what it means on this route. */
export function ApiErrorResponse(status: number, description: string): MethodDecorator {
  return ApiResponse({ status, description, type: ErrorEnvelopeDto });
}

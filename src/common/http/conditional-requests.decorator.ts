import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  HttpCode,
  Type,
} from '@nestjs/common';
import { ApiHeader, ApiNoContentResponse, ApiResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiUuidParam } from '../decorators/uuid-param.decorator.js';
import { ErrorEnvelopeDto } from '../errors/error-envelope.dto.js';
import { ApiDataResponse } from './api-responses.decorator.js';
import { EntityTagCondition, parseEntityTagCondition } from './etag.js';

/** The request's If-Match, parsed (undefined when absent): for PUT, PATCH and DELETE. */
export const IfMatch = createParamDecorator(
  (_data: unknown, context: ExecutionContext): EntityTagCondition | undefined =>
    parseEntityTagCondition(
      context.switchToHttp().getRequest<FastifyRequest>().headers['if-match'],
    ),
);

/** The request's If-None-Match, parsed (undefined when absent): for GET. */
export const IfNoneMatch = createParamDecorator(
  (_data: unknown, context: ExecutionContext): EntityTagCondition | undefined =>
    parseEntityTagCondition(
      context.switchToHttp().getRequest<FastifyRequest>().headers['if-none-match'],
    ),
);

const ETAG_HEADER = {
  ETag: {
    description:
      'Strong entity tag of this representation; send it back in If-Match or If-None-Match',
    schema: { type: 'string', example: '"post.5b7c0e44-4d4b-4a2e-9d8e-1f0c2a3b4c5d.3"' },
  },
};

/** `{ data: T }` carrying an ETag, in the OpenAPI document. */
export function ApiTaggedDataResponse(
  status: number,
  model: Type<unknown>,
  description: string,
): MethodDecorator {
  return applyDecorators(ApiDataResponse(status, model, description, ETAG_HEADER));
}

/** A GET that honours If-None-Match: the header, and the 304 answer. */
export function ApiIfNoneMatch(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'If-None-Match',
      required: false,
      description:
        'ETags of copies the client holds (or *); weak comparison. A match answers 304 without a body.',
      schema: { type: 'string' },
    }),
    ApiResponse({
      status: 304,
      description: "Not modified: the client's copy is current",
      headers: ETAG_HEADER,
    }),
  );
}

/** A PUT, PATCH or DELETE that honours If-Match: the header, and the 412 answer. */
export function ApiIfMatch(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description:
        'The ETag the change is based on (strong comparison). Absent: the write is unconditional.',
      schema: { type: 'string' },
    }),
    ApiResponse({
      status: 412,
      description:
        'PRECONDITION_FAILED: the resource has changed since that ETag; nothing was changed',
      type: ErrorEnvelopeDto,
    }),
  );
}

/*
 * The composites a handler of one resource opens with. The document builder adds the errors
 * every such route can answer (the 404 of the path parameter, the body's 400, 413, 415 and 422,
 * ...), so these say only what is particular to a conditional request. The handler takes the
 * id with @UuidParam() and the header with @IfNoneMatch() or @IfMatch().
 */

/**
 * A GET of the resource named by `:id` that honours If-None-Match: the id, the header, the 200
 * carrying its ETag, and the 304.
 */
export function ConditionalRead(model: Type<unknown>, description: string): MethodDecorator {
  return applyDecorators(
    ApiTaggedDataResponse(200, model, description),
    ApiIfNoneMatch(),
    ApiUuidParam(),
  );
}

/**
 * A PUT or PATCH of the resource named by `:id` that honours If-Match: the id, the header, the
 * 200 carrying the new ETag, and the 412.
 */
export function ConditionalWrite(model: Type<unknown>, description: string): MethodDecorator {
  return applyDecorators(
    ApiTaggedDataResponse(200, model, description),
    ApiIfMatch(),
    ApiUuidParam(),
  );
}

/** A DELETE of the resource named by `:id` that honours If-Match: the id, the header, the 204. */
export function ConditionalDelete(description: string): MethodDecorator {
  return applyDecorators(
    ApiNoContentResponse({ description }),
    ApiIfMatch(),
    ApiUuidParam(),
    HttpCode(204),
  );
}

import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiConflictResponse, ApiHeader, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { ErrorEnvelopeDto } from '../common/errors/error-envelope.dto.js';
import { ApiResponseHeader } from '../common/http/openapi-document.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';

/** Accepts an `Idempotency-Key` on this create, with its OpenAPI documentation. */
export function Idempotent(): MethodDecorator {
  return applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Any 1-255 printable characters. A retry with the same key and body returns the first ' +
        'response (with Idempotent-Replayed: true) and creates nothing; the same key with another ' +
        'body is 422. Kept 24 hours, per caller and route.',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    }),
    ApiConflictResponse({
      description: 'CONFLICT: a request with this Idempotency-Key is still being processed',
      type: ErrorEnvelopeDto,
    }),
    ApiUnprocessableEntityResponse({
      description:
        'VALIDATION_ERROR: the body breaks a rule, or has an unknown field; or the ' +
        'Idempotency-Key is malformed, or was already used with another body',
      type: ErrorEnvelopeDto,
    }),
    ApiResponseHeader(201, 'Idempotent-Replayed', {
      description: '`true` on a repeat with the same Idempotency-Key and body: nothing was created',
      schema: { type: 'string', enum: ['true'] },
    }),
  );
}

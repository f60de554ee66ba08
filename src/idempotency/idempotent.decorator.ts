import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ApiConflictResponse, ApiHeader, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { ErrorEnvelopeDto } from '../common/errors/error-envelope.dto.js';
import { ApiResponseHeader } from '../common/http/api-response-header.decorator.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { type CreatedReplay, IDEMPOTENT_REPLAY } from './created-replay.js';

/**
 * Accepts an `Idempotency-Key` on this create, with its OpenAPI documentation. `replay` rebuilds
 * the create's response from the resource it created.
 */
export function Idempotent<Controller>(replay: CreatedReplay<Controller>): MethodDecorator {
  return applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    SetMetadata(IDEMPOTENT_REPLAY, replay),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Any 1-255 printable characters. A retry with the same key and body returns the first ' +
        'response (with Idempotent-Replayed: true, the same Location and ETag) and creates ' +
        'nothing, also when the first request lost its connection after creating; the same key ' +
        'with another body is 422. Kept 24 hours, per caller and route.',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    }),
    ApiConflictResponse({
      description:
        'CONFLICT: a request with this Idempotency-Key is still being processed; or what it ' +
        'created has been deleted since, so there is nothing to replay',
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

import { applyDecorators, NotFoundException, Param, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { canonicalUuid } from '../ids/canonical-uuid.js';

/** Refuses what is not a UUID with 404 (API.md: a malformed id is NOT_FOUND), else its canonical form. */
class CanonicalUuidPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    const canonical = canonicalUuid(value);
    if (canonical === null) throw new NotFoundException('Resource not found');
    return canonical;
  }
}

const canonicalUuidPipe = new CanonicalUuidPipe();

/**
 * A path parameter holding a public id, in its canonical (lower-case) form; a malformed id is
 * 404 NOT_FOUND (API.md), never 400.
 */
export function UuidParam(name = 'id'): ParameterDecorator {
  return Param(name, canonicalUuidPipe);
}

/** Swagger documentation for a UUID path parameter, to pair with @UuidParam on the handler. */
export function ApiUuidParam(
  name = 'id',
  description = 'Public id (UUID, in any letter case)',
): MethodDecorator {
  return applyDecorators(ApiParam({ name, format: 'uuid', description }));
}

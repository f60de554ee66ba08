import { NotFoundException, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { applyDecorators } from '@nestjs/common';

/** A path parameter holding a public id; a malformed id is 404 NOT_FOUND (API.md), never 400. */
export function UuidParam(name = 'id'): ParameterDecorator {
  return Param(
    name,
    new ParseUUIDPipe({ exceptionFactory: () => new NotFoundException('Resource not found') }),
  );
}

/** Swagger documentation for a UUID path parameter, to pair with @UuidParam on the handler. */
export function ApiUuidParam(name = 'id', description = 'Public id (UUID)'): MethodDecorator {
  return applyDecorators(ApiParam({ name, format: 'uuid', description }));
}

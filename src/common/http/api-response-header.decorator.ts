import type { HeaderObject } from '@nestjs/swagger';

/** A header of one of a route's responses, in the OpenAPI document. */
export interface ResponseHeader {
  status: number;
  name: string;
  header: HeaderObject;
}

const RESPONSE_HEADERS = 'openapi:response-headers';

/**
 * A header of the route's response with this status. Unlike headers given to @ApiResponse(),
 * these add up: several decorators (Location, Idempotent-Replayed, X-Cache, ...) may describe
 * headers of the same response.
 */
export function ApiResponseHeader(
  status: number,
  name: string,
  header: HeaderObject,
): MethodDecorator {
  return (_target, _key, descriptor) => {
    const handler = descriptor.value as object;
    Reflect.defineMetadata(
      RESPONSE_HEADERS,
      [...responseHeadersOf(handler), { status, name, header }],
      handler,
    );
    return descriptor;
  };
}

/** The headers @ApiResponseHeader() gave a handler, in the order they were applied. */
export function responseHeadersOf(handler: object): ResponseHeader[] {
  return (Reflect.getMetadata(RESPONSE_HEADERS, handler) ?? []) as ResponseHeader[];
}

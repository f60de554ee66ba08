import type { OpenAPIObject, ResponseObject } from '@nestjs/swagger';
import {
  addErrorSchemas,
  addGlobalResponses,
  ERROR_DESCRIPTIONS,
  errorResponse,
} from './error-responses.js';
import { addHeaders, COMPONENT_HEADERS } from './response-headers.js';
import { DEFAULT_ROUTE_FACTS, type RouteFacts } from './route-facts.js';
import { addValidationExample } from './validation-example.js';

/**
 * What every route of the service does besides what its own decorators say (API.md), written
 * into the generated OpenAPI document in one place rather than on every handler: the error
 * envelope with the exact `code` of each status, the errors any route can answer
 * (error-responses.ts), the headers every response carries (response-headers.ts), and an
 * example of each route's 422 (validation-example.ts).
 */

type Responses = Record<string, ResponseObject>;

/**
 * Completes the document SwaggerModule generated from the decorators (see the file comment).
 * `facts` by operationId; an operation without facts is taken as throttled.
 */
export function completeDocument(
  document: OpenAPIObject,
  facts: ReadonlyMap<string, RouteFacts>,
): OpenAPIObject {
  const components = (document.components ??= {});
  const schemas = (components.schemas ??= {});
  const usedStatuses = new Set<number>();

  for (const pathItem of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = pathItem[method];
      if (!operation) continue;
      const fact = facts.get(operation.operationId ?? '') ?? DEFAULT_ROUTE_FACTS;
      // Public: say so (an empty requirement), rather than leave the reader to guess.
      operation.security ??= [];
      addGlobalResponses(operation, fact, method !== 'get');
      const responses = operation.responses as Responses;
      for (const { status, name, header } of fact.responseHeaders) {
        const response = responses[status];
        if (!response) {
          throw new Error(`${operation.operationId}: header ${name} of an undocumented ${status}`);
        }
        response.headers = { ...(response.headers ?? {}), [name]: header };
      }
      for (const [key, response] of Object.entries(responses)) {
        const status = Number(key);
        if (status < 300 && !response.description) {
          throw new Error(`${operation.operationId}: the ${status} response has no description`);
        }
        if (status >= 400 && ERROR_DESCRIPTIONS[status]) {
          usedStatuses.add(status);
          responses[key] = errorResponse(status, response);
        }
        addHeaders(responses[key], status, fact);
      }
      if (responses[422]) addValidationExample(operation, responses[422], schemas);
    }
  }

  addErrorSchemas(schemas, usedStatuses);
  components.headers = { ...(components.headers ?? {}), ...COMPONENT_HEADERS };
  return document;
}

import type {
  OperationObject,
  ParameterObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger';
import { DEFAULT_MESSAGE_BY_STATUS, errorCodeFor } from '../common/errors/error-code.js';
import { EXAMPLE_REQUEST_ID } from './error-responses.js';

/**
 * The 422 of one route, as Swagger UI shows it: a detail naming a field of that route's body (or
 * query), with the message the server gives when that field breaks the rule shown. The shared
 * ValidationError schema can only name some field; this example names one the route has.
 */
export function addValidationExample(
  operation: OperationObject,
  response: ResponseObject,
  schemas: Record<string, SchemaObject | ReferenceObject>,
): void {
  const detail = firstDescribableRule(operation, schemas);
  if (!detail) {
    throw new Error(`${operation.operationId}: 422 without a field whose rule can be shown`);
  }
  const media = response.content?.['application/json'];
  if (!media) throw new Error(`${operation.operationId}: 422 without a JSON body`);
  media.example = {
    error: {
      code: errorCodeFor(422),
      message: DEFAULT_MESSAGE_BY_STATUS[422] ?? errorCodeFor(422),
      details: [detail],
      request_id: EXAMPLE_REQUEST_ID,
    },
  };
}

/**
 * A field of the route's body (else its query) and class-validator's message for breaking one of
 * its rules: not an email, over its maximum length, over its maximum value.
 */
function firstDescribableRule(
  operation: OperationObject,
  schemas: Record<string, SchemaObject | ReferenceObject>,
): { field: string; message: string } | undefined {
  const resolve = (schema: SchemaObject | ReferenceObject | undefined): SchemaObject | undefined =>
    schema && '$ref' in schema
      ? (schemas[schema.$ref.replace('#/components/schemas/', '')] as SchemaObject | undefined)
      : schema;
  const body = operation.requestBody as { content?: Record<string, { schema?: SchemaObject }> };
  const fields: [string, SchemaObject | undefined][] = body?.content
    ? Object.entries(resolve(body.content['application/json']?.schema)?.properties ?? {}).map(
        ([name, schema]) => [name, resolve(schema)],
      )
    : ((operation.parameters ?? []) as ParameterObject[])
        .filter((parameter) => parameter.in === 'query')
        .map((parameter) => [parameter.name, resolve(parameter.schema)]);
  for (const [field, schema] of fields) {
    if (schema?.format === 'email') return { field, message: `${field} must be an email` };
    if (schema?.maxLength !== undefined) {
      return {
        field,
        message: `${field} must be shorter than or equal to ${schema.maxLength} characters`,
      };
    }
    if (schema?.maximum !== undefined) {
      return { field, message: `${field} must not be greater than ${schema.maximum}` };
    }
  }
  return undefined;
}

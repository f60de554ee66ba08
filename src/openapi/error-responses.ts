import type {
  OperationObject,
  ParameterObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger';
import { DEFAULT_MESSAGE_BY_STATUS, errorCodeFor } from '../common/errors/error-code.js';
import { MAX_JSON_DEPTH } from '../common/http/json-body-parser.js';
import type { RouteFacts } from './route-facts.js';

/**
 * The error responses of the document: the errors any route can answer that its decorators need
 * not repeat (rate limit, body parser, validation, database, the HTTP parser), and the error
 * envelope of each status with its exact `code`.
 */

type Responses = Record<string, ResponseObject>;

/** Statuses with the error envelope, and what they mean when the route says nothing more. */
export const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED: missing, malformed, expired or forged token',
  403: 'FORBIDDEN: the token lacks a scope, or the caller is not the owner',
  404: 'NOT_FOUND: unknown or deleted resource, or malformed id',
  408: 'REQUEST_TIMEOUT: the request was not received in time; the connection is closed',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED: If-Match does not match the current ETag; nothing was changed',
  413: 'PAYLOAD_TOO_LARGE: the body is over the limit (BODY_LIMIT_BYTES, default 100 KiB)',
  415: 'UNSUPPORTED_MEDIA_TYPE: a body with a content type other than application/json, or a charset other than UTF-8',
  422: 'VALIDATION_ERROR: one entry in details per failing field',
  429: 'RATE_LIMITED: over the rate limit; retry after Retry-After seconds',
  431: 'REQUEST_HEADER_FIELDS_TOO_LARGE: request headers over 16 KiB; the connection is closed',
  500: 'INTERNAL_ERROR: anything unexpected (never a stack trace, SQL or driver text)',
  503: 'SERVICE_UNAVAILABLE: the database is unreachable or read-only, or the row is locked by another operation past DATABASE_LOCK_TIMEOUT_MS; retry after Retry-After seconds',
};

/** Name of the error schema of a status: NOT_FOUND is `NotFoundError`. */
export function errorSchemaName(status: number): string {
  const pascal = errorCodeFor(status)
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
  return pascal.endsWith('Error') ? pascal : `${pascal}Error`;
}

/** The generic envelope the decorators name; each error response gets its status's own. */
const GENERIC_ENVELOPE = 'ErrorEnvelopeDto';
const GENERIC_BODY = 'ErrorBodyDto';

/** The request id the examples show. */
export const EXAMPLE_REQUEST_ID = 'f1c2b3a4-5d6e-4f70-8a9b-0c1d2e3f4a5b';

/**
 * The errors a route can answer that its decorators need not repeat. `parsesBody`: Fastify reads
 * a body sent with any method but GET and HEAD, even to a route that takes none.
 */
export function addGlobalResponses(
  operation: OperationObject,
  fact: RouteFacts,
  parsesBody: boolean,
): void {
  const responses = operation.responses as Responses;
  const add = (status: number, description: string): void => {
    const existing = responses[status];
    if (!existing) responses[status] = { description };
    else if (!existing.description) existing.description = description;
  };
  const parameters = (operation.parameters ?? []) as ParameterObject[];
  const query = parameters.filter((parameter) => parameter.in === 'query');
  const contradictory = ['page', 'cursor'].every((name) => query.some((p) => p.name === name));

  // Node's HTTP parser answers these before any route is chosen, so every route can.
  add(
    400,
    [
      parsesBody
        ? `BAD_REQUEST: the body is not valid JSON, or nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`
        : '',
      contradictory ? 'BAD_REQUEST: page and cursor together' : '',
      'BAD_REQUEST: a malformed HTTP request, or one with two Host headers',
    ]
      .filter(Boolean)
      .join('; or '),
  );
  add(408, ERROR_DESCRIPTIONS[408]);
  add(431, ERROR_DESCRIPTIONS[431]);
  add(500, ERROR_DESCRIPTIONS[500]);
  if (parsesBody) {
    add(413, ERROR_DESCRIPTIONS[413]);
    add(415, ERROR_DESCRIPTIONS[415]);
  }
  if (operation.requestBody || query.length > 0) {
    add(
      422,
      `${ERROR_DESCRIPTIONS[422]}: ${[
        operation.requestBody ? 'the body breaks a rule, or has an unknown field' : '',
        query.length > 0 ? 'a query parameter breaks a rule, is repeated, or is unknown' : '',
      ]
        .filter(Boolean)
        .join('; ')}`,
    );
  }
  if (operation.parameters?.some((p) => (p as ParameterObject).in === 'path')) {
    add(404, ERROR_DESCRIPTIONS[404]);
  }
  // The probes (never throttled: /health, /ready, /metrics) state their own failures; every
  // other route is rate limited and reads the database.
  if (fact.throttled) add(429, ERROR_DESCRIPTIONS[429]);
  if (fact.throttled && fact.readsDatabase !== false) add(503, ERROR_DESCRIPTIONS[503]);
  // Keep the responses in status order, as a reader expects.
  operation.responses = Object.fromEntries(
    Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** An error response: its description, and the envelope schema of exactly its status. */
export function errorResponse(status: number, response: ResponseObject): ResponseObject {
  return {
    ...response,
    description: response.description || ERROR_DESCRIPTIONS[status],
    content: {
      'application/json': {
        schema: { $ref: `#/components/schemas/${errorSchemaName(status)}` },
      },
    },
  };
}

/**
 * Replaces the generic envelope the decorators name by one schema per status used, derived from
 * it (every error response names its status's own schema).
 */
export function addErrorSchemas(
  schemas: Record<string, unknown>,
  usedStatuses: ReadonlySet<number>,
): void {
  const body = schemas[GENERIC_BODY] as SchemaObject | undefined;
  if (!body) throw new Error(`${GENERIC_BODY} is missing from the generated document`);
  for (const status of [...usedStatuses].sort()) {
    schemas[errorSchemaName(status)] = errorSchema(status, body);
  }
  delete schemas[GENERIC_ENVELOPE];
  delete schemas[GENERIC_BODY];
}

/** The envelope of one status: the generic error body, with `code` pinned to that status's. */
function errorSchema(status: number, body: SchemaObject): SchemaObject {
  const code = errorCodeFor(status);
  const validation = status === 422;
  const properties = structuredClone(body.properties ?? {}) as Record<string, SchemaObject>;
  properties.code = { type: 'string', enum: [code], example: code };
  if (validation) properties.details = { ...properties.details, minItems: 1 };
  const example: Record<string, unknown> = {
    code,
    message: DEFAULT_MESSAGE_BY_STATUS[status] ?? code,
    ...(validation ? { details: [{ field: 'email', message: 'email must be an email' }] } : {}),
    request_id: EXAMPLE_REQUEST_ID,
  };
  return {
    type: 'object',
    description: `The error envelope of a ${status} response`,
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: validation ? ['code', 'message', 'details', 'request_id'] : body.required,
        properties,
      },
    },
    example: { error: example },
  };
}

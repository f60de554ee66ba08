import type { INestApplication, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type {
  HeaderObject,
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger';
import {
  AUTH_RATE_LIMITED,
  SIGNUP_RATE_LIMITED,
} from '../rate-limit/auth-rate-limit.decorator.js';
import { DEFAULT_MESSAGE_BY_STATUS, errorCodeFor } from '../common/errors/error-code.js';
import { MAX_JSON_DEPTH } from '../common/http/json-body-parser.js';

/**
 * What every route of the service does besides what its own decorators say (API.md), written
 * into the generated OpenAPI document in one place rather than on every handler: the error
 * envelope with the exact `code` of each status, the errors any route can answer (rate limit,
 * body parser, validation, database, the HTTP parser), and the headers every response carries.
 */

/** Where a route stands, read from the same metadata the global guards read. */
export interface RouteFacts {
  /** Counted by the rate limiter (every route but the probes: @SkipThrottle()). */
  throttled: boolean;
  /** Also counted against the stricter AUTH_RATE_LIMIT_MAX budget (POST /auth/token). */
  authLimited: boolean;
  /** False for the routes that answer without the database (/docs): no 503 then. */
  readsDatabase?: boolean;
  /** Also counted against the SIGNUP_RATE_LIMIT_MAX budget (POST /users). */
  signupLimited?: boolean;
  /** Headers of particular responses, from @ApiResponseHeader(). */
  responseHeaders: ResponseHeader[];
}

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
    const existing = (Reflect.getMetadata(RESPONSE_HEADERS, handler) ?? []) as ResponseHeader[];
    Reflect.defineMetadata(RESPONSE_HEADERS, [...existing, { status, name, header }], handler);
    return descriptor;
  };
}

/** @nestjs/throttler's metadata key for @SkipThrottle() of the `default` throttler (not exported). */
const SKIP_DEFAULT_THROTTLER = 'THROTTLER:SKIPdefault';

/** `users_list`, `userPosts_create`: the controller's name without "Controller", and the method. */
export function operationIdFor(controllerKey: string, methodKey: string): string {
  const controller = controllerKey.replace(/Controller$/, '');
  return `${controller.charAt(0).toLowerCase()}${controller.slice(1)}_${methodKey}`;
}

/** RouteFacts of every handler of the application, by operationId. */
export function routeFactsOf(app: INestApplication): Map<string, RouteFacts> {
  const facts = new Map<string, RouteFacts>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown> | null;
      if (!controller || typeof controller !== 'function') continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const skip: unknown =
          Reflect.getMetadata(SKIP_DEFAULT_THROTTLER, handler) ??
          Reflect.getMetadata(SKIP_DEFAULT_THROTTLER, controller);
        facts.set(operationIdFor(controller.name, name), {
          throttled: skip !== true,
          authLimited: Reflect.getMetadata(AUTH_RATE_LIMITED, handler) === true,
          signupLimited: Reflect.getMetadata(SIGNUP_RATE_LIMITED, handler) === true,
          responseHeaders: (Reflect.getMetadata(RESPONSE_HEADERS, handler) ??
            []) as ResponseHeader[],
        });
      }
    }
  }
  return facts;
}

/** Statuses with the error envelope, and what they mean when the route says nothing more. */
const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
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
const EXAMPLE_REQUEST_ID = 'f1c2b3a4-5d6e-4f70-8a9b-0c1d2e3f4a5b';

const REQUEST_ID_HEADER = 'X-Request-Id';

/** The counters of a route's budget of its own, beside the general one (suffixed headers). */
function ownBudgetHeaders(
  suffix: string,
  route: string,
  setting: string,
  counted: string,
): Record<string, HeaderObject> {
  return {
    [`X-RateLimit-Limit-${suffix}`]: {
      description: `${route} only: its own budget per window (${setting})`,
      schema: { type: 'integer', minimum: 0 },
    },
    [`X-RateLimit-Remaining-${suffix}`]: {
      description: `${route} only: ${counted} left in its own budget`,
      schema: { type: 'integer', minimum: 0 },
    },
    [`X-RateLimit-Reset-${suffix}`]: {
      description: `${route} only: seconds until its own window ends`,
      schema: { type: 'integer', minimum: 0 },
    },
  };
}

const HEADERS: Readonly<Record<string, HeaderObject>> = {
  [REQUEST_ID_HEADER]: {
    description:
      "On every response: the caller's X-Request-Id if well formed (1-128 chars of [A-Za-z0-9._:-]), else a new UUID; also error.request_id",
    required: true,
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
  },
  'X-RateLimit-Limit': {
    description:
      'Requests allowed per window for this client IP (RATE_LIMIT_MAX). The X-RateLimit headers ' +
      'come with every answer given once the rate limiter has counted the request, whatever ' +
      'its status',
    schema: { type: 'integer', minimum: 0 },
  },
  'X-RateLimit-Remaining': {
    description: 'Requests left in the current window',
    schema: { type: 'integer', minimum: 0 },
  },
  'X-RateLimit-Reset': {
    description: 'Seconds until the current window ends',
    schema: { type: 'integer', minimum: 0 },
  },
  ...ownBudgetHeaders('auth', 'POST /auth/token', 'AUTH_RATE_LIMIT_MAX', 'requests'),
  ...ownBudgetHeaders('signup', 'POST /users', 'SIGNUP_RATE_LIMIT_MAX', 'sign-ups'),
  'Retry-After': {
    description: 'Seconds to wait before retrying',
    required: true,
    schema: { type: 'integer', minimum: 0 },
  },
  'WWW-Authenticate': {
    description: 'Always `Bearer`',
    required: true,
    schema: { type: 'string', example: 'Bearer' },
  },
};
const RATE_LIMIT_HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];
const AUTH_RATE_LIMIT_HEADERS = RATE_LIMIT_HEADERS.map((name) => `${name}-auth`);
const SIGNUP_RATE_LIMIT_HEADERS = RATE_LIMIT_HEADERS.map((name) => `${name}-signup`);

const headerRef = (name: string): ReferenceObject => ({ $ref: `#/components/headers/${name}` });

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
      const fact = facts.get(operation.operationId ?? '') ?? {
        throttled: true,
        authLimited: false,
        responseHeaders: [],
      };
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

  const body = schemas[GENERIC_BODY] as SchemaObject | undefined;
  if (!body) throw new Error(`${GENERIC_BODY} is missing from the generated document`);
  for (const status of [...usedStatuses].sort()) {
    schemas[errorSchemaName(status)] = errorSchema(status, body);
  }
  // Every error response now names its status's own schema, derived from these two.
  delete schemas[GENERIC_ENVELOPE];
  delete schemas[GENERIC_BODY];
  components.headers = { ...(components.headers ?? {}), ...HEADERS };
  return document;
}

/**
 * The errors a route can answer that its decorators need not repeat. `parsesBody`: Fastify reads
 * a body sent with any method but GET and HEAD, even to a route that takes none.
 */
function addGlobalResponses(
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
function errorResponse(status: number, response: ResponseObject): ResponseObject {
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
 * The headers of one response. The rate limiter is the first guard, so whatever a throttled route
 * answers after it carries the X-RateLimit counters (the document's description says so once);
 * they are listed on the success (or redirect) responses and the 429 only, where a client reads them: on every
 * status they made one operation thousands of pixels tall in Swagger UI.
 */
function addHeaders(response: ResponseObject, status: number, fact: RouteFacts): void {
  const headers: Record<string, HeaderObject | ReferenceObject> = { ...(response.headers ?? {}) };
  headers[REQUEST_ID_HEADER] = headerRef(REQUEST_ID_HEADER);
  if (fact.throttled && ((status >= 200 && status < 400) || status === 429)) {
    for (const name of RATE_LIMIT_HEADERS) headers[name] = headerRef(name);
    if (fact.authLimited)
      for (const name of AUTH_RATE_LIMIT_HEADERS) headers[name] = headerRef(name);
    if (fact.signupLimited)
      for (const name of SIGNUP_RATE_LIMIT_HEADERS) headers[name] = headerRef(name);
  }
  if (status === 429 || status === 503) headers['Retry-After'] = headerRef('Retry-After');
  if (status === 401) headers['WWW-Authenticate'] = headerRef('WWW-Authenticate');
  response.headers = headers;
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

/**
 * The 422 of one route, as Swagger UI shows it: a detail naming a field of that route's body (or
 * query), with the message the server gives when that field breaks the rule shown. The shared
 * ValidationError schema can only name some field; this example names one the route has.
 */
function addValidationExample(
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

import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * The contract check: every response the end-to-end tests receive must be one the OpenAPI
 * document promises for that route. The status is documented for the operation, the content
 * type is one it names (or no body where it names none), the body matches the schema (OpenAPI 3.0
 * `nullable` included), required headers are present, and objects have no property the
 * document does not name: every object schema is read as `additionalProperties: false`, so an
 * undocumented field fails. A path the document does not name must answer its 404 error.
 *
 * test-app.ts runs it on every `TestApp.request`; a violation throws, failing that test.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface ObservedResponse {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
type Method = (typeof METHODS)[number];

interface CompiledOperation {
  method: Method;
  template: string;
  responses: Map<string, CompiledResponse>;
}

interface CompiledResponse {
  /** Media types (without parameters) and their body validators; empty: no body. */
  content: Map<string, ValidateFunction | null>;
  requiredHeaders: string[];
}

interface CompiledPath {
  template: string;
  pattern: RegExp;
  /** Literal segments count: `/users/me` is tried before `/users/{id}`. */
  literals: number;
  operations: Map<Method, CompiledOperation>;
}

// ajv-formats is CommonJS with a default export; under ESM interop it may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

export class ContractChecker {
  private readonly paths: CompiledPath[] = [];
  private readonly notFound: CompiledResponse;
  /** Unknown routes' 429, when the document has the RateLimitedError schema. */
  private readonly rateLimited?: CompiledResponse;

  constructor(document: OpenAPIObject) {
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
    addFormats(ajv);
    // OpenAPI's own formats and annotations, which JSON Schema does not know.
    ajv.addFormat('password', true);
    ajv.addKeyword({ keyword: 'example' });
    ajv.addKeyword({ keyword: 'xml' });
    ajv.addKeyword({ keyword: 'externalDocs' });
    ajv.addKeyword({ keyword: 'discriminator' });

    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
      ajv.addSchema(closed(schema as Json) as JsonObject, componentId(name));
    }
    const compile = (schema: Json): ValidateFunction => ajv.compile(closed(schema) as JsonObject);
    const headerComponents = (document.components?.headers ?? {}) as JsonObject;

    for (const [template, item] of Object.entries(document.paths)) {
      const operations = new Map<Method, CompiledOperation>();
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation) continue;
        const responses = new Map<string, CompiledResponse>();
        for (const [status, response] of Object.entries(operation.responses)) {
          responses.set(
            status,
            compileResponse(response as unknown as JsonObject, compile, headerComponents),
          );
        }
        operations.set(method, { method, template, responses });
      }
      this.paths.push({
        template,
        pattern: templatePattern(template),
        literals: template.split('/').filter((segment) => segment && !segment.startsWith('{'))
          .length,
        operations,
      });
    }
    this.paths.sort((a, b) => b.literals - a.literals);

    if (!document.components?.schemas?.NotFoundError) {
      throw new ContractViolation('the document has no NotFoundError schema for unknown routes');
    }
    this.notFound = {
      content: new Map([
        ['application/json', compile({ $ref: '#/components/schemas/NotFoundError' })],
      ]),
      requiredHeaders: ['x-request-id'],
    };
    if (document.components.schemas.RateLimitedError)
      this.rateLimited = {
        content: new Map([
          ['application/json', compile({ $ref: '#/components/schemas/RateLimitedError' })],
        ]),
        requiredHeaders: [
          'x-request-id',
          'retry-after',
          'x-ratelimit-limit',
          'x-ratelimit-remaining',
          'x-ratelimit-reset',
        ],
      };
  }

  /** The problems of this response to this request; empty when it is what the document says. */
  violations(method: string, url: string, response: ObservedResponse): string[] {
    const verb = method.toLowerCase();
    const path = pathOf(url);
    const shown = url.length > 160 ? `${url.slice(0, 160)}…(${url.length} chars)` : url;
    const label = `${method.toUpperCase()} ${shown} → ${response.statusCode}`;
    // A CORS preflight is answered by @fastify/cors, outside the API that OpenAPI describes.
    if (verb === 'options') return [];

    const route = this.paths.find((candidate) => candidate.pattern.test(path));
    // HEAD is GET without a body (Fastify answers it for every GET route).
    const operation = route?.operations.get((verb === 'head' ? 'get' : verb) as Method);
    if (!operation) {
      // Unknown path, or a method the path does not have: Fastify's 404, as any unknown route;
      // or 429, as unknown routes count against the rate limit too (API.md: only the probes are
      // exempt).
      if (response.statusCode === 429 && this.rateLimited) {
        return checkResponse(label, this.rateLimited, response, verb === 'head');
      }
      if (response.statusCode !== 404) {
        return [`${label}: not in the document, so only 404 NOT_FOUND or 429 are allowed`];
      }
      return checkResponse(label, this.notFound, response, verb === 'head');
    }
    const documented = operation.responses.get(String(response.statusCode));
    if (!documented) {
      return [
        `${label}: status ${response.statusCode} is not documented for ` +
          `${operation.method.toUpperCase()} ${operation.template} ` +
          `(documented: ${[...operation.responses.keys()].join(', ')}); body: ${response.body.slice(0, 300)}`,
      ];
    }
    return checkResponse(
      `${label} (${operation.method.toUpperCase()} ${operation.template})`,
      documented,
      response,
      verb === 'head',
    );
  }

  /** Throws a ContractViolation listing the problems, if any. */
  assert(method: string, url: string, response: ObservedResponse): void {
    const problems = this.violations(method, url, response);
    if (problems.length > 0) throw new ContractViolation(problems.join('\n'));
  }
}

function checkResponse(
  label: string,
  documented: CompiledResponse,
  response: ObservedResponse,
  head: boolean,
): string[] {
  const problems: string[] = [];
  for (const header of documented.requiredHeaders) {
    if (response.headers[header] === undefined) problems.push(`${label}: no ${header} header`);
  }
  if (head) return problems;

  const contentType = String(response.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (documented.content.size === 0) {
    if (response.body.length > 0) problems.push(`${label}: a body where none is documented`);
    return problems;
  }
  if (!documented.content.has(contentType)) {
    problems.push(
      `${label}: content type "${contentType}" is not documented (documented: ${[...documented.content.keys()].join(', ')})`,
    );
    return problems;
  }
  const validate = documented.content.get(contentType);
  if (!validate) return problems;
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    problems.push(`${label}: the body is not JSON: ${response.body.slice(0, 200)}`);
    return problems;
  }
  if (!validate(body)) {
    const errors = (validate.errors ?? [])
      .map(
        (error) =>
          `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`,
      )
      .join('; ');
    problems.push(
      `${label}: the body does not match the schema: ${errors}; body: ${response.body.slice(0, 500)}`,
    );
  }
  return problems;
}

function compileResponse(
  response: JsonObject,
  compile: (schema: Json) => ValidateFunction,
  headerComponents: JsonObject,
): CompiledResponse {
  const content = new Map<string, ValidateFunction | null>();
  for (const [mediaType, media] of Object.entries((response.content ?? {}) as JsonObject)) {
    const schema = (media as JsonObject).schema;
    const json = mediaType === 'application/json' || mediaType.endsWith('+json');
    content.set(mediaType.toLowerCase(), json && schema ? compile(schema) : null);
  }
  const requiredHeaders = Object.entries((response.headers ?? {}) as JsonObject)
    .filter(([, header]) => {
      const ref = (header as JsonObject).$ref;
      const resolved =
        typeof ref === 'string'
          ? (headerComponents[ref.replace('#/components/headers/', '')] as JsonObject | undefined)
          : (header as JsonObject);
      return resolved?.required === true;
    })
    .map(([name]) => name.toLowerCase());
  return { content, requiredHeaders };
}

const componentId = (name: string): string => `openapi:${name}`;

/**
 * A copy of the schema for validation: component $refs point at the schemas added to ajv, and
 * every object schema that lists properties (and says nothing else) allows no others.
 */
function closed(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'example' || key === 'examples') {
      copy[key] = value;
    } else if (key === '$ref' && typeof value === 'string') {
      copy[key] = componentId(value.replace('#/components/schemas/', ''));
    } else if (
      key === 'properties' &&
      value &&
      typeof value === 'object' &&
      !Array.isArray(value)
    ) {
      copy[key] = Object.fromEntries(
        Object.entries(value).map(([name, inner]) => [name, closed(inner)]),
      );
    } else {
      copy[key] = closed(value);
    }
  }
  const combined = ['allOf', 'anyOf', 'oneOf'].some((key) => key in copy);
  if (copy.properties && copy.additionalProperties === undefined && !combined) {
    copy.additionalProperties = false;
  }
  return copy;
}

/** `/users/{id}/posts` → /^\/users\/[^/]*\/posts$/ (Fastify's router takes an empty parameter too). */
function templatePattern(template: string): RegExp {
  const source = template
    .split('/')
    .map((segment) =>
      segment.startsWith('{') ? '[^/]*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${source}$`);
}

/** The path of a request URL, without query and (as Fastify ignores it) a trailing slash. */
function pathOf(url: string): string {
  const path = new URL(url, 'http://localhost').pathname;
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

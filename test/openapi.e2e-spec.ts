import type {
  OpenAPIObject,
  OperationObject,
  ReferenceObject,
  ResponseObject,
} from '@nestjs/swagger';
import { ERROR_CODE_BY_STATUS } from '../src/common/errors/error-code.js';
import { errorSchemaName } from '../src/openapi/error-responses.js';
import { buildOpenApiDocument } from '../src/openapi/swagger.js';
import { expectError } from './support/api-expectations.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * The OpenAPI document: served at /docs-json (and Swagger UI at /docs) only with DOCS_ENABLED,
 * and complete in the ways API.md asks (security, errors, headers). The end-to-end suite checks
 * every response against it (test/support/contract.ts), and `npm run openapi:lint` lints it.
 */

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const PUBLIC = [
  'GET /',
  'GET /docs',
  'GET /docs-json',
  'GET /health',
  'GET /metrics',
  'GET /ready',
  'POST /auth/logout',
  'POST /auth/password-reset',
  'POST /auth/password-reset/confirm',
  'POST /auth/refresh',
  'POST /auth/token',
  'POST /auth/verify-email',
  'POST /users',
];
/** API.md: only the probes; /docs and /docs-json are counted too (and read no database). */
const UNTHROTTLED = ['GET /health', 'GET /metrics', 'GET /ready'];
const WITHOUT_DATABASE = ['GET /', 'GET /docs', 'GET /docs-json'];

function operationsOf(document: OpenAPIObject): [string, OperationObject][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item[method];
      return operation
        ? [[`${method.toUpperCase()} ${path}`, operation] as [string, OperationObject]]
        : [];
    }),
  );
}

const responsesOf = (operation: OperationObject) =>
  operation.responses as Record<string, ResponseObject>;

describe('the OpenAPI document', () => {
  describe('with DOCS_ENABLED=true', () => {
    let t: TestApp;
    let document: OpenAPIObject;

    beforeAll(async () => {
      t = await createTestApp({ DOCS_ENABLED: 'true' });
      document = buildOpenApiDocument(t.app, { docs: true });
    });
    afterAll(() => t.close());

    it('serves the document at /docs-json, as the builder makes it', async () => {
      const response = await t.request({ method: 'GET', url: '/docs-json' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.json()).toEqual(JSON.parse(JSON.stringify(document)));
      expect(document.openapi).toMatch(/^3\.0\./);
    });

    it('serves Swagger UI at /docs, and no YAML document (API.md names JSON only)', async () => {
      const ui = await t.request({ method: 'GET', url: '/docs' });
      expect(ui.statusCode).toBe(200);
      expect(ui.headers['content-type']).toMatch(/^text\/html/);
      expect(ui.body).toContain('swagger-ui');
      expectError(await t.request({ method: 'GET', url: '/docs-yaml' }), 404, 'NOT_FOUND');
    });

    it('names every operation, with a summary, a tag and a success response', () => {
      for (const [name, operation] of operationsOf(document)) {
        expect({ name, summary: typeof operation.summary }).toEqual({ name, summary: 'string' });
        expect({ name, tags: operation.tags?.length }).toEqual({ name, tags: 1 });
        expect(document.tags?.map((tag) => tag.name)).toContain(operation.tags?.[0]);
        const statuses = Object.keys(operation.responses);
        // GET / only redirects to Swagger UI.
        const success = name === 'GET /' ? /^302$/ : /^2\d\d$/;
        expect({ name, success: statuses.some((status) => success.test(status)) }).toEqual({
          name,
          success: true,
        });
      }
    });

    it('puts the bearer scheme on exactly the protected routes, with 401 and WWW-Authenticate', () => {
      expect(document.components?.securitySchemes?.bearer).toMatchObject({
        type: 'http',
        scheme: 'bearer',
      });
      expect(document.security).toBeUndefined();
      const publicOperations: string[] = [];
      for (const [name, operation] of operationsOf(document)) {
        if (operation.security?.length === 0) {
          publicOperations.push(name);
          expect({ name, has401: '401' in operation.responses }).toEqual({
            name,
            has401: name.startsWith('POST /auth/token') || name.startsWith('POST /auth/refresh'),
          });
          continue;
        }
        expect({ name, security: operation.security }).toEqual({
          name,
          security: [{ bearer: [] }],
        });
        expect(responsesOf(operation)['401'].headers).toHaveProperty('WWW-Authenticate');
      }
      expect(publicOperations.sort()).toEqual(PUBLIC);
    });

    it('gives every error the envelope with the code of its status', () => {
      const schemas = document.components?.schemas ?? {};
      expect(Object.keys(schemas)).not.toContain('ErrorEnvelopeDto');
      for (const [name, operation] of operationsOf(document)) {
        for (const [status, response] of Object.entries(responsesOf(operation))) {
          if (Number(status) < 400) continue;
          const ref = (response.content?.['application/json']?.schema as ReferenceObject).$ref;
          expect({ name, status, ref }).toEqual({
            name,
            status,
            ref: `#/components/schemas/${errorSchemaName(Number(status))}`,
          });
          const envelope = schemas[errorSchemaName(Number(status))] as {
            properties: { error: { properties: { code: { enum: string[] } } } };
          };
          expect(envelope.properties.error.properties.code.enum).toEqual([
            ERROR_CODE_BY_STATUS[Number(status)],
          ]);
        }
      }
    });

    it('says what every route shares: X-Request-Id, 500, the rate limit, the body parser', () => {
      for (const [name, operation] of operationsOf(document)) {
        const responses = responsesOf(operation);
        for (const [status, response] of Object.entries(responses)) {
          expect({ name, status, header: Boolean(response.headers?.['X-Request-Id']) }).toEqual({
            name,
            status,
            header: true,
          });
        }
        const statuses = Object.keys(responses);
        expect(statuses).toEqual(expect.arrayContaining(['400', '408', '431', '500']));
        const throttled = !UNTHROTTLED.includes(name);
        expect({ name, 429: statuses.includes('429') }).toEqual({ name, 429: throttled });
        if (throttled) {
          expect(responses['429'].headers).toHaveProperty('Retry-After');
          if (!WITHOUT_DATABASE.includes(name)) expect(statuses).toContain('503');
          // The success, or GET /'s redirect.
          const success = statuses.find((status) => /^[23]/.test(status)) ?? '';
          expect(responses[success].headers).toHaveProperty('X-RateLimit-Remaining');
        }
        if (operation.requestBody) {
          expect(statuses).toEqual(expect.arrayContaining(['413', '415', '422']));
        }
      }
      expect(responsesOf(document.paths['/auth/token'].post!)['200'].headers).toHaveProperty(
        'X-RateLimit-Remaining-auth',
      );
    });

    it('documents the headers of API.md: Location, ETag, X-Cache, Idempotent-Replayed', () => {
      const created = responsesOf(document.paths['/users'].post!)['201'].headers ?? {};
      expect(Object.keys(created)).toEqual(
        expect.arrayContaining(['Location', 'ETag', 'Idempotent-Replayed']),
      );
      expect(
        Object.keys(responsesOf(document.paths['/users/{id}/posts'].post!)['201'].headers ?? {}),
      ).toEqual(expect.arrayContaining(['Location', 'ETag', 'Idempotent-Replayed']));
      for (const path of ['/users/{id}', '/posts/{id}']) {
        const responses = responsesOf(document.paths[path].get!);
        expect(Object.keys(responses['200'].headers ?? {})).toEqual(
          expect.arrayContaining(['ETag', 'X-Cache']),
        );
        expect(responses).toHaveProperty('304');
      }
    });

    it('shows a user without password fields, and lists with data and meta', () => {
      const user = document.components?.schemas?.UserOutput as {
        properties: object;
        required: string[];
      };
      expect(Object.keys(user.properties).sort()).toEqual([
        'created_at',
        'email',
        'email_verified',
        'id',
        'name',
        'scopes',
        'updated_at',
      ]);
      expect(user.required.sort()).toEqual(['created_at', 'id', 'name', 'updated_at']);
      const list = responsesOf(document.paths['/users'].get!)['200'].content?.['application/json']
        ?.schema as { required: string[]; properties: { meta: { required: string[] } } };
      expect(list.required).toEqual(['data', 'meta']);
      expect(list.properties.meta.required.sort()).toEqual(['next_cursor', 'per_page', 'total']);
    });
  });

  describe('with DOCS_ENABLED=false', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp({ DOCS_ENABLED: 'false' });
    });
    afterAll(() => t.close());

    it('answers 404 NOT_FOUND for /docs and /docs-json', async () => {
      for (const url of ['/docs', '/docs-json', '/docs/swagger-ui-init.js']) {
        expectError(await t.request({ method: 'GET', url }), 404, 'NOT_FOUND');
      }
    });

    // Found by the contract check: Fastify's router answered these itself (414 and 400, in a body
    // of its own, without X-Request-Id), before any route or filter.
    it.each([
      ['an id over the router parameter limit', `/users/${'a'.repeat(3000)}`],
      ['an id with bad percent-encoding', '/posts/%E0%A4%A'],
      ['a nested path with bad percent-encoding', '/users/%zz/posts'],
    ])('answers 404 NOT_FOUND in the envelope for %s', async (_name, url) => {
      const response = await t.request({ method: 'GET', url });
      const error = expectError(response, 404, 'NOT_FOUND');
      expect(error.request_id).toMatch(/^[0-9a-f-]{36}$/);
    });

    // Found by the fuzzing: Fastify read the body of a request to an unknown route first.
    it.each([
      ['PUT', '/users', JSON.stringify({ x: 'y'.repeat(200_000) }), 'application/json'],
      ['POST', '/nowhere', '{"unterminated": ', 'application/json'],
      ['PATCH', '/posts', '<a/>', 'application/xml'],
    ])(
      'answers 404 for %s %s (an unknown route) whatever its body',
      async (method, url, payload, type) => {
        const response = await t.request({
          method: method as 'PUT' | 'POST' | 'PATCH',
          url,
          payload,
          headers: { 'content-type': type },
        });
        expectError(response, 404, 'NOT_FOUND');
      },
    );

    it('leaves them out of the document the tests check responses against', () => {
      const document = buildOpenApiDocument(t.app, { docs: t.config.docsEnabled });
      expect(Object.keys(document.paths)).not.toContain('/docs');
      expect(Object.keys(document.paths)).not.toContain('/docs-json');
    });
  });
});

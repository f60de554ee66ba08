import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type {
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger';
import { DOCS_TITLE, buildOpenApiDocument } from '../src/openapi/swagger.js';
import { DEMO_LOGIN, DEMO_PASSWORD, DEMO_USERS } from '../src/database/demo-data.js';
import { UsersService } from '../src/users/users.service.js';
import { expectData, expectError, expectPage, META_KEYS } from './support/api-expectations.js';
import { bearer, createPost, signUp, SignedUpUser } from './support/fixtures.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * Swagger UI ready to use for someone who has just started the service: the authorization
 * survives a reload, the login example logs in as the demo user of `npm run seed`, every answer is
 * described, the examples look like real answers, and the document reads the same in validators
 * other than the service's own (OpenAPI 3.0 patterns are ECMA-262 without the `u` flag).
 * test/browser/swagger-ui.browser-spec.ts clicks through the same in Chromium.
 */

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Operation {
  name: string;
  method: (typeof METHODS)[number];
  path: string;
  operation: OperationObject;
  responses: Record<string, ResponseObject>;
}

function operationsOf(document: OpenAPIObject): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item[method];
      return operation
        ? [
            {
              name: `${method.toUpperCase()} ${path}`,
              method,
              path,
              operation,
              responses: operation.responses as Record<string, ResponseObject>,
            },
          ]
        : [];
    }),
  );
}

function resolve(document: OpenAPIObject, schema: SchemaObject | ReferenceObject): SchemaObject {
  if (!('$ref' in schema)) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  return document.components?.schemas?.[name] as SchemaObject;
}

/** The body Swagger UI puts in "Try it out": the media example, else the properties' examples. */
function requestExampleOf(document: OpenAPIObject, operation: OperationObject): Json {
  const media = (
    operation.requestBody as { content: Record<string, { example?: Json; schema: SchemaObject }> }
  ).content['application/json'];
  if (media.example !== undefined) return media.example;
  const schema = resolve(document, media.schema);
  return Object.fromEntries(
    Object.entries(schema.properties ?? {}).map(([name, property]) => [
      name,
      resolve(document, property).example as Json,
    ]),
  );
}

interface FieldDetail {
  field: string;
  message: string;
}

function validationExampleOf(operation: Operation): FieldDetail[] {
  const example = operation.responses['422'].content?.['application/json']?.example as {
    error: { details: FieldDetail[] };
  };
  return example.error.details;
}

/** A value breaking the rule the 422 example's message names, from the field's schema. */
function violating(schema: SchemaObject, message: string): string {
  if (message.endsWith('must be an email')) return 'not-an-email';
  if (/shorter than or equal to \d+ characters$/.test(message)) {
    return 'x'.repeat((schema.maxLength ?? 0) + 1);
  }
  if (/must not be greater than \d+$/.test(message)) return String((schema.maximum ?? 0) + 1);
  throw new Error(`no violating value known for "${message}"`);
}

// ajv-formats is CommonJS with a default export; under ESM interop it may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/**
 * Every example of the document (of schemas, properties, media types), each with its schema:
 * what a tool reading the document checks it against.
 */
function examplesOf(document: OpenAPIObject): { where: string; schema: Json; example: Json }[] {
  const found: { where: string; schema: Json; example: Json }[] = [];
  const visit = (node: Json, where: string): void => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, `${where}/${index}`));
      return;
    }
    if (node === null || typeof node !== 'object') return;
    if ('example' in node && 'schema' in node) {
      found.push({ where, schema: node.schema, example: node.example });
    } else if ('example' in node && !('in' in node)) {
      const { example, ...schema } = node;
      found.push({ where, schema, example });
    }
    for (const [key, value] of Object.entries(node)) {
      if (key !== 'example') visit(value, `${where}/${key}`);
    }
  };
  visit(document.paths as unknown as Json, '#/paths');
  visit(document.components?.schemas as unknown as Json, '#/components/schemas');
  return found;
}

describe('Swagger UI, ready to use', () => {
  describe('with DOCS_ENABLED=true', () => {
    let t: TestApp;
    let document: OpenAPIObject;
    let operations: Operation[];

    beforeAll(async () => {
      t = await createTestApp({ DOCS_ENABLED: 'true' });
      document = buildOpenApiDocument(t.app, { docs: true });
      operations = operationsOf(document);
    });
    afterAll(() => t.close());

    it('serves Swagger UI with a title naming the API, keeping the authorization on reload', async () => {
      const page = await t.request({ method: 'GET', url: '/docs' });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`<title>${DOCS_TITLE}</title>`);
      expect(DOCS_TITLE).toContain(document.info.title);
      // The page's options, as Swagger UI reads them.
      const init = await t.app.inject({ method: 'GET', url: '/docs/swagger-ui-init.js' });
      expect(init.statusCode).toBe(200);
      const options = /let options = (\{[\s\S]*?\});\n/.exec(init.body)?.[1];
      expect(options).toBeDefined();
      // @nestjs/swagger hands its swaggerOptions to SwaggerUIBundle as customOptions.
      const parsed = JSON.parse(options!) as { customOptions: Record<string, unknown> };
      expect(parsed.customOptions.persistAuthorization).toBe(true);
    });

    it.each(['GET', 'HEAD'] as const)(
      'answers %s / with a redirect to Swagger UI',
      async (method) => {
        const response = await t.request({ method, url: '/' });
        expect(response.statusCode).toBe(302);
        expect(response.headers.location).toBe('/docs');
        expect(response.headers['x-request-id']).toEqual(expect.any(String));
        const followed = await t.request({ method: 'GET', url: String(response.headers.location) });
        expect(followed.statusCode).toBe(200);
        expect(followed.headers['content-type']).toMatch(/^text\/html/);
      },
    );

    it('documents GET / as that redirect, public and rate limited like every route but the probes', () => {
      const root = operations.find((operation) => operation.name === 'GET /');
      expect(root?.operation.security).toEqual([]);
      // API.md exempts only the probes from the rate limit.
      expect(Object.keys(root?.responses ?? {})).toContain('429');
      expect(root?.responses['302'].headers).toHaveProperty('Location');
    });

    it('logs in with the POST /auth/token example, as the demo user the seed creates', async () => {
      // As `npm run seed` does: through UsersService, with the demo password.
      await t.app.get(UsersService).create({ ...DEMO_USERS[0], password: DEMO_PASSWORD });
      const example = requestExampleOf(document, document.paths['/auth/token'].post!);
      expect(example).toEqual(DEMO_LOGIN);
      const login = await t.request({
        method: 'POST',
        url: '/auth/token',
        payload: example as Record<string, Json>,
      });
      const tokens = expectData<{ access_token: string }>(login, 200);
      const me = await t.request({
        method: 'GET',
        url: '/auth/me',
        headers: bearer(tokens.access_token),
      });
      expect(expectData<{ email: string }>(me).email).toBe(DEMO_LOGIN.email);
    });

    it('describes every success response', () => {
      const undescribed = operations.flatMap(({ name, responses }) =>
        Object.entries(responses)
          .filter(([status, response]) => /^2/.test(status) && !response.description?.trim())
          .map(([status]) => `${name} ${status}`),
      );
      expect(undescribed).toEqual([]);
    });

    it('uses no Unicode property escape (\\p{…}) anywhere, which means letters without `u`', () => {
      expect(JSON.stringify(document)).not.toContain('\\\\p{');
      expect(JSON.stringify(document)).not.toMatch(/\\\\[pP]\{/);
    });

    it('shows a realistic meta on every list: the first page, and a real-looking cursor', async () => {
      const lists = operations.filter(({ responses }) => {
        const schema = responses['200']?.content?.['application/json']?.schema as SchemaObject;
        return Boolean(schema?.properties?.meta);
      });
      expect(lists.map(({ name }) => name).sort()).toEqual([
        'GET /posts',
        'GET /users',
        'GET /users/{id}/posts',
      ]);
      // A cursor as the service hands them out.
      const user = await signUp(t);
      await signUp(t);
      const live = expectPage(
        await t.request({ method: 'GET', url: '/users?per_page=1', headers: bearer(user.token) }),
      ).meta;
      for (const { name, responses } of lists) {
        const schema = responses['200'].content?.['application/json']?.schema as SchemaObject;
        const meta = (schema.properties?.meta as SchemaObject).example as Record<string, Json>;
        expect({ name, keys: Object.keys(meta).sort() }).toEqual({ name, keys: META_KEYS });
        expect({ name, page: meta.page, per_page: meta.per_page }).toEqual({
          name,
          page: 1,
          per_page: 20,
        });
        expect(meta.total).toBeGreaterThan(20);
        const cursor = meta.next_cursor as string;
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        // The same sealed payload but for the id's digits: about the same length.
        const lengthGap = cursor.length - (live.next_cursor ?? '').length;
        expect({ name, lengthGap: Math.abs(lengthGap) <= 4 }).toEqual({ name, lengthGap: true });
      }
    });

    describe('422 examples', () => {
      let author: SignedUpUser;
      let postId: string;

      beforeAll(async () => {
        author = await signUp(t);
        postId = (await createPost(t, author)).id;
      });

      it("name a field of the route's own body or query", () => {
        const withValidation = operations.filter(({ responses }) => responses['422']);
        expect(withValidation.length).toBeGreaterThan(10);
        for (const operation of withValidation) {
          const { name, operation: op } = operation;
          const body = op.requestBody
            ? Object.keys(
                resolve(
                  document,
                  (op.requestBody as { content: Record<string, { schema: SchemaObject }> }).content[
                    'application/json'
                  ].schema,
                ).properties ?? {},
              )
            : [];
          const query = ((op.parameters ?? []) as ParameterObject[])
            .filter((parameter) => parameter.in === 'query')
            .map((parameter) => parameter.name);
          const fields = validationExampleOf(operation).map((detail) => detail.field);
          expect(fields.length).toBeGreaterThan(0);
          for (const field of fields) {
            expect({ name, field, known: [...body, ...query].includes(field) }).toEqual({
              name,
              field,
              known: true,
            });
          }
        }
      });

      it('are what the service answers when that field breaks that rule', async () => {
        for (const operation of operations.filter(({ responses }) => responses['422'])) {
          const { name, method, path, operation: op } = operation;
          const [detail] = validationExampleOf(operation);
          const url = path
            .replace('/users/{id}', `/users/${author.id}`)
            .replace('/posts/{id}', `/posts/${postId}`);
          let request: { url: string; payload?: Record<string, Json> };
          if (op.requestBody) {
            const schema = resolve(
              document,
              (op.requestBody as { content: Record<string, { schema: SchemaObject }> }).content[
                'application/json'
              ].schema,
            );
            const field = resolve(document, schema.properties![detail.field]);
            const valid = requestExampleOf(document, op) as Record<string, Json>;
            // Only the required fields beside the broken one: optional ones have rules of their own.
            const required = Object.fromEntries(
              Object.entries(valid).filter(([key]) => schema.required?.includes(key)),
            );
            request = {
              url,
              payload: { ...required, [detail.field]: violating(field, detail.message) },
            };
          } else {
            const parameter = ((op.parameters ?? []) as ParameterObject[]).find(
              (candidate) => candidate.in === 'query' && candidate.name === detail.field,
            )!;
            const value = violating(resolve(document, parameter.schema!), detail.message);
            request = { url: `${url}?${detail.field}=${encodeURIComponent(value)}` };
          }
          const response = await t.request({
            method: method.toUpperCase() as 'GET',
            headers: bearer(author.token),
            ...request,
          });
          const error = expectError(response, 422, 'VALIDATION_ERROR');
          expect({ name, details: error.details }).toEqual({ name, details: [detail] });
        }
      });
    });

    it('lists the rate-limit headers on the success (or redirect) and 429 responses only, explained once', () => {
      const rateLimitHeader = /^X-RateLimit-/;
      for (const { name, responses } of operations) {
        for (const [status, response] of Object.entries(responses)) {
          const listed = Object.keys(response.headers ?? {}).some((header) =>
            rateLimitHeader.test(header),
          );
          if (listed)
            expect({ name, status }).toEqual({
              name,
              status: expect.stringMatching(/^([23]\d\d|429)$/),
            });
        }
      }
      expect(document.info.description).toMatch(/X-RateLimit-Remaining/);
      expect(document.info.description).toMatch(/whatever its status/);
    });

    it('has examples that match their schemas when patterns are ECMA-262 without the u flag', () => {
      // An independent reading: ajv as a tool that follows OpenAPI 3.0 to the letter would.
      const ajv = new Ajv({ strict: false, unicodeRegExp: false, allErrors: true });
      addFormats(ajv);
      ajv.addFormat('password', true);
      // Component $refs resolve inside the document itself.
      const id = 'openapi-document';
      ajv.addSchema({ $id: id, components: document.components });
      const withRefs = (schema: Json): object =>
        JSON.parse(
          JSON.stringify(schema).replaceAll('"#/components/', `"${id}#/components/`),
        ) as object;
      const examples = examplesOf(document);
      expect(examples.length).toBeGreaterThan(30);
      const invalid = examples.flatMap(({ where, schema, example }) => {
        const validate = ajv.compile(withRefs(schema));
        return validate(example) ? [] : [{ where, example, errors: validate.errors }];
      });
      expect(invalid).toEqual([]);
      // The email of the examples, against the pattern of every email field.
      const user = document.components?.schemas?.CreateUserInput as SchemaObject;
      const email = user.properties?.email as SchemaObject;
      expect(new RegExp(email.pattern!).test('ada@example.com')).toBe(true);
    });
  });

  describe('with DOCS_ENABLED=false', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp({ DOCS_ENABLED: 'false' });
    });
    afterAll(() => t.close());

    it('answers GET / with 404 NOT_FOUND, as any unknown route', async () => {
      expectError(await t.request({ method: 'GET', url: '/' }), 404, 'NOT_FOUND');
      const document = buildOpenApiDocument(t.app, { docs: false });
      expect(Object.keys(document.paths)).not.toContain('/');
    });
  });
});

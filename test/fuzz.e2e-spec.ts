import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse as InjectResponse } from 'fastify';
import type { OpenAPIObject, OperationObject, ParameterObject } from '@nestjs/swagger';
import { buildOpenApiDocument } from '../src/openapi/swagger.js';
import { bearer, createPost, signUp, type SignedUpUser } from './support/fixtures.js';
import {
  BLANK_STRINGS,
  caseVariants,
  DEEPLY_NESTED_BODIES,
  invalidValue,
  nonCanonicalForms,
  oddString,
  resolve,
  validValue,
  VALUES_OF_EVERY_TYPE,
  wrongType,
  type Schema,
} from './support/openapi-arbitraries.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * Property-based requests drawn from the OpenAPI document, to every operation: valid ones, and
 * invalid ones (wrong types, missing and unknown fields, huge and odd strings, bad ids, bad query
 * values, bodies that are not JSON or not an object), with the caller's token, none, or a
 * garbage one. Whatever is sent: never a 5xx, always a status the document lists for the route
 * with its schema (TestApp.request checks every response against the document), errors with
 * the request id of the response, and another user's rows unchanged.
 *
 * Bounded: RUNS valid and RUNS invalid requests per operation. FUZZ_SEED=n replays (or varies) a
 * run; fast-check prints the seed and the smallest failing request when a property fails.
 */
const RUNS = 25;
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

interface Operation {
  method: (typeof METHODS)[number];
  path: string;
  operation: OperationObject;
}

interface World {
  caller: SignedUpUser;
  callerPostId: string;
  victim: SignedUpUser;
  victimPostId: string;
}

type Snapshot = Record<string, unknown>[][];

const t: TestApp = await createTestApp();
const document: OpenAPIObject = buildOpenApiDocument(t.app, { docs: t.config.docsEnabled });
const operations: Operation[] = Object.entries(document.paths).flatMap(([path, item]) =>
  METHODS.flatMap((method) => (item[method] ? [{ method, path, operation: item[method] }] : [])),
);

describe('fuzzing every operation of the OpenAPI document', () => {
  let victim: SignedUpUser;
  let victimPostId: string;
  let before: Snapshot;

  beforeAll(async () => {
    victim = await signUp(t, { name: 'Victim' });
    victimPostId = (await createPost(t, victim, { title: 'Not yours', body: 'Leave it' })).id;
    before = await snapshot(victim);
  });

  afterAll(() => t.close());

  it('covers the routes of API.md', () => {
    expect(operations.map(({ method, path }) => `${method.toUpperCase()} ${path}`).sort()).toEqual([
      'DELETE /auth/sessions/{id}',
      'DELETE /posts/{id}',
      'DELETE /users/{id}',
      'GET /auth/me',
      'GET /auth/sessions',
      'GET /health',
      'GET /metrics',
      'GET /posts',
      'GET /posts/{id}',
      'GET /ready',
      'GET /users',
      'GET /users/{id}',
      'GET /users/{id}/posts',
      'PATCH /posts/{id}',
      'PATCH /users/{id}',
      'POST /auth/logout',
      'POST /auth/password-reset',
      'POST /auth/password-reset/confirm',
      'POST /auth/refresh',
      'POST /auth/token',
      'POST /auth/verify-email',
      'POST /auth/verify-email/resend',
      'POST /users',
      'POST /users/{id}/posts',
      'PUT /posts/{id}',
      'PUT /users/{id}',
    ]);
  });

  // Found by this suite: PostgreSQL refuses U+0000 in text (FUZZ_SEED=2026), and the email
  // validator throws on an unpaired surrogate (FUZZ_SEED=9); both were a 500.
  it.each([
    ['POST', '/auth/token', { email: 'a\u0000@example.com', password: 'x' }, 'email'],
    ['POST', '/users', { email: 'a@example.com', name: 'A\u0000B', password: '12345678' }, 'name'],
    ['POST', '/users', { email: 'a\ud800@example.com', name: 'A', password: '12345678' }, 'email'],
    ['POST', '/users', { email: 'b@example.com', name: 'A\udc00', password: '12345678' }, 'name'],
  ] as const)(
    'answers 422 for text it cannot store: %s %s (%#)',
    async (method, url, payload, field) => {
      const response = await t.request({ method, url, payload });
      expect(response.statusCode).toBe(422);
      const { details } = response.json<{ error: { details: { field: string }[] } }>().error;
      expect(details.map((detail) => detail.field)).toEqual([field]);
    },
  );

  it('answers 422 for text it cannot store in a user or a post, and changes nothing', async () => {
    const author = await signUp(t);
    const before = await snapshot(author);
    const requests: InjectOptions[] = [
      { method: 'PATCH', url: `/users/${author.id}`, payload: { email: '\ud800' } },
      { method: 'PATCH', url: `/users/${author.id}`, payload: { name: 'x\u0000' } },
      {
        method: 'PUT',
        url: `/users/${author.id}`,
        payload: { email: 'c@example.com', name: '\ud83d' },
      },
      {
        method: 'POST',
        url: `/users/${author.id}/posts`,
        payload: { title: 'x\u0000', body: 'b' },
      },
      { method: 'POST', url: `/users/${author.id}/posts`, payload: { title: 't', body: '\udfff' } },
    ];
    for (const request of requests) {
      const response = await t.request({ ...request, headers: bearer(author.token) });
      expect({ url: request.url, status: response.statusCode }).toEqual({
        url: request.url,
        status: 422,
      });
    }
    expect(await snapshot(author)).toEqual(before);
  });

  describe('every field, id and query parameter in the forms random drawing once missed', () => {
    let owner: SignedUpUser;
    let ownerPostId: string;

    beforeAll(async () => {
      owner = await signUp(t);
      ownerPostId = (await createPost(t, owner)).id;
    });

    const named = (list: Operation[]): [string, Operation][] =>
      list.map((entry) => [`${entry.method.toUpperCase()} ${entry.path}`, entry]);
    const withBody = operations.filter((entry) => bodySchemaOf(entry.operation));
    const withId = operations.filter((entry) => entry.path.includes('{id}'));
    const withQuery = operations.filter((entry) =>
      ((entry.operation.parameters ?? []) as ParameterObject[]).some((p) => p.in === 'query'),
    );

    /** The operation on the owner's own resource, so that the request reaches validation. */
    function urlOf(entry: Operation, id?: string): string {
      const own = entry.path.startsWith('/posts/') ? ownerPostId : owner.id;
      return entry.path.replace('{id}', encodeSegment(id ?? own));
    }

    function ownId(entry: Operation): string {
      return entry.path.startsWith('/posts/') ? ownerPostId : owner.id;
    }

    function send(entry: Operation, url: string, payload?: string): Promise<InjectResponse> {
      return t.request({
        method: entry.method.toUpperCase() as InjectOptions['method'],
        url,
        headers: {
          ...bearer(owner.token),
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(payload === undefined ? {} : { payload }),
      });
    }

    function validBody(entry: Operation): Record<string, unknown> {
      const schema = resolve(document, bodySchemaOf(entry.operation) as Schema);
      const [value] = fc.sample(validValue(document, schema), { numRuns: 1, seed: SEED });
      return value as Record<string, unknown>;
    }

    it.each(named(withBody))(
      '%s: null and every other JSON type in each field is 422 naming the field',
      async (_name, entry) => {
        const schema = resolve(document, bodySchemaOf(entry.operation) as Schema);
        const before = await snapshot(owner);
        for (const [field, property] of Object.entries(schema.properties ?? {})) {
          const own = resolve(document, property).type ?? 'object';
          for (const [type, value] of Object.entries(VALUES_OF_EVERY_TYPE)) {
            if (type === own || (own === 'number' && type === 'integer')) continue;
            const payload = JSON.stringify({ ...validBody(entry), [field]: value });
            const response = await send(entry, urlOf(entry), payload);
            const details = response.json<{ error?: { details?: { field: string }[] } }>().error
              ?.details;
            expect({ field, type, status: response.statusCode }).toEqual({
              field,
              type,
              status: 422,
            });
            expect(details?.map((detail) => detail.field)).toContain(field);
          }
        }
        expect(await snapshot(owner)).toEqual(before);
      },
    );

    it.each(named(withBody))(
      '%s: text that shows nothing in each string field is documented, never a 5xx',
      async (_name, entry) => {
        const schema = resolve(document, bodySchemaOf(entry.operation) as Schema);
        for (const [field, property] of Object.entries(schema.properties ?? {})) {
          if (resolve(document, property).type !== 'string') continue;
          for (const blank of BLANK_STRINGS) {
            const payload = JSON.stringify({ ...validBody(entry), [field]: blank });
            const response = await send(entry, urlOf(entry), payload);
            expect(response.statusCode).toBeLessThan(500);
            // Names and titles must show something.
            if (field === 'name' || field === 'title') {
              expect({ field, blank, status: response.statusCode }).toEqual({
                field,
                blank,
                status: 422,
              });
            }
          }
        }
      },
    );

    it.each(named(withBody))('%s: deeply nested JSON is 400', async (_name, entry) => {
      for (const payload of DEEPLY_NESTED_BODIES) {
        const response = await send(entry, urlOf(entry), payload);
        expect(response.statusCode).toBe(400);
        expect(response.json<{ error: { code: string } }>().error.code).toBe('BAD_REQUEST');
      }
    });

    it.each(named(withId))(
      '%s: forms of the id this API does not take are 404',
      async (_name, entry) => {
        const before = await snapshot(owner);
        for (const form of nonCanonicalForms(ownId(entry))) {
          const payload = bodySchemaOf(entry.operation)
            ? JSON.stringify(validBody(entry))
            : undefined;
          const response = await send(entry, urlOf(entry, form), payload);
          expect({ form, status: response.statusCode }).toEqual({ form, status: 404 });
        }
        expect(await snapshot(owner)).toEqual(before);
      },
    );

    it.each(named(withId.filter((entry) => entry.method === 'get')))(
      '%s: the id in upper or mixed case answers as in lower case',
      async (_name, entry) => {
        const lower = await send(entry, urlOf(entry));
        for (const variant of caseVariants(ownId(entry))) {
          const response = await send(entry, urlOf(entry, variant));
          expect({ variant, status: response.statusCode }).toEqual({
            variant,
            status: lower.statusCode,
          });
          expect(response.headers.etag).toBe(lower.headers.etag);
        }
      },
    );

    it.each(named(withQuery))(
      '%s: a query parameter repeated or in array form is 422 naming it',
      async (_name, entry) => {
        const names = ((entry.operation.parameters ?? []) as ParameterObject[])
          .filter((parameter) => parameter.in === 'query')
          .map((parameter) => parameter.name);
        for (const name of names) {
          for (const query of [`${name}=1&${name}=2`, `${name}=1&${name}=1`, `${name}[]=1`]) {
            const response = await send(entry, `${urlOf(entry)}?${query}`);
            const details = response.json<{ error?: { details?: { field: string }[] } }>().error
              ?.details;
            expect({ query, status: response.statusCode }).toEqual({ query, status: 422 });
            expect(details?.map((detail) => detail.field)).toContain(
              query.includes('[]') ? `${name}[]` : name,
            );
          }
        }
      },
    );
  });

  describe.each(operations.map((entry) => [`${entry.method.toUpperCase()} ${entry.path}`, entry]))(
    '%s',
    (_name, entry) => {
      let world: World;

      beforeAll(async () => {
        // A fresh caller for each operation, so that one operation's changes to the caller
        // (a deleted account, a new password) do not starve the next one of valid requests.
        const caller = await signUp(t);
        const callerPostId = (await createPost(t, caller)).id;
        world = { caller, callerPostId, victim, victimPostId };
      });

      it.each([
        ['valid', true],
        ['invalid', false],
      ] as const)('answers %s requests as documented, never with a 5xx', async (_kind, valid) => {
        await fc.assert(
          fc.asyncProperty(requestArbitrary(entry, world, valid), async (request) => {
            const response = await t.request(request);
            expect(response.statusCode).toBeLessThan(500);
            if (response.statusCode >= 400) {
              const error = response.json<{ error: { request_id: string } }>().error;
              expect(error.request_id).toBe(response.headers['x-request-id']);
            }
          }),
          { numRuns: RUNS, seed: SEED + (valid ? 0 : 1) },
        );
      });

      it("leaves the other user's rows as they were", async () => {
        expect(await snapshot(victim)).toEqual(before);
      });
    },
  );
});

function bodySchemaOf(operation: OperationObject): Schema | undefined {
  return (operation.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)
    ?.content?.['application/json']?.schema;
}

/** The victim's rows: their user, posts and refresh tokens, every column. */
async function snapshot(user: SignedUpUser): Promise<Snapshot> {
  return Promise.all([
    t.sql('SELECT * FROM users WHERE public_id = $1', [user.id]),
    t.sql(
      'SELECT p.* FROM posts p JOIN users u ON u.id = p.user_id WHERE u.public_id = $1 ORDER BY p.id',
      [user.id],
    ),
    t.sql(
      'SELECT r.* FROM refresh_tokens r JOIN users u ON u.id = r.user_id WHERE u.public_id = $1 ORDER BY r.id',
      [user.id],
    ),
  ]);
}

/** Percent-encodes a path segment; a lone surrogate (not encodable) becomes U+FFFD first. */
function encodeSegment(text: string): string {
  const wellFormed = text.replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    '\uFFFD',
  );
  return encodeURIComponent(wellFormed);
}

/** Header values must be printable ASCII for HTTP itself; within that, anything goes. */
const headerText = fc.string({ maxLength: 80 }).filter((text) => /^[\x20-\x7e]*$/.test(text));

function requestArbitrary(
  { method, path, operation }: Operation,
  world: World,
  valid: boolean,
): fc.Arbitrary<InjectOptions> {
  const parameters = (operation.parameters ?? []) as ParameterObject[];
  const pathParameters = parameters.filter((parameter) => parameter.in === 'path');
  const queryParameters = parameters.filter((parameter) => parameter.in === 'query');
  const headerParameters = parameters.filter((parameter) => parameter.in === 'header');
  const bodySchema = (
    operation.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined
  )?.content?.['application/json']?.schema;

  // Mostly the caller's token (to reach the handlers), else none or a broken one.
  const authorization = fc.oneof(
    { arbitrary: fc.constant(bearer(world.caller.token)), weight: 6 },
    {
      arbitrary: fc.constantFrom<Record<string, string>>(
        {},
        bearer('not.a.token'),
        { authorization: world.caller.token },
        bearer(`${world.caller.token.slice(0, -4)}AAAA`),
      ),
      weight: 2,
    },
  );

  // Path segments, encoded (ids) or deliberately not (bad percent-encoding). Mostly the
  // caller's own resource of the path's kind (to reach the handlers), else the other user's.
  const [own, others] = path.startsWith('/posts/')
    ? [world.callerPostId, world.victimPostId]
    : [world.caller.id, world.victim.id];
  const knownIds = fc
    .oneof(
      { arbitrary: fc.constant(own), weight: 3 },
      { arbitrary: fc.constant(others), weight: 2 },
      { arbitrary: fc.constantFrom(world.callerPostId, world.caller.id), weight: 1 },
      // The same ids in upper and mixed case: the same resources (API.md).
      { arbitrary: fc.constantFrom(...caseVariants(own), ...caseVariants(others)), weight: 2 },
    )
    .map(encodeSegment);
  const badIds = fc.oneof(
    fc
      .oneof(
        fc.uuid(),
        fc.string({ maxLength: 40 }),
        oddString,
        fc.constantFrom(
          '0',
          '-1',
          '1e999',
          'null',
          `${world.victim.id}x`,
          world.victim.id.toUpperCase(),
        ),
        fc.constant('a'.repeat(3000)),
        // Spellings PostgreSQL reads as a UUID and this API does not.
        fc.constantFrom(...nonCanonicalForms(own), ...nonCanonicalForms(others)),
      )
      .map(encodeSegment),
    fc.constantFrom('%', '%E0%A4%A', '%zz', '%00', '..', '.'),
  );
  const idArbitrary = valid
    ? fc.oneof(knownIds, fc.uuid().map(encodeSegment))
    : fc.oneof(knownIds, badIds);

  const query = queryArbitrary(queryParameters, valid);
  // Header parameters (If-Match, If-None-Match, Idempotency-Key): in valid requests mostly
  // absent (a made-up If-Match only ever answers 412), sometimes `*` or any text.
  const headers = fc.record(
    Object.fromEntries(
      headerParameters.map((parameter) => [
        parameter.name,
        valid
          ? fc.oneof(
              { arbitrary: fc.constant(undefined), weight: 3 },
              { arbitrary: fc.constant('*'), weight: 1 },
              { arbitrary: headerText.filter((text) => text.length > 0), weight: 1 },
            )
          : fc.oneof(headerText, fc.constant('x'.repeat(300))),
      ]),
    ),
    { requiredKeys: [] },
  );
  // Real values for some fields, so that logging in and refreshing can succeed too.
  const hints: Record<string, unknown[]> = {
    email: [world.caller.email],
    password: [world.caller.password],
    refresh_token: [world.caller.refreshToken],
  };
  const body = bodySchema
    ? bodyArbitrary(bodySchema, valid, hints)
    : valid
      ? fc.constant(undefined)
      : // A body where the route takes none.
        fc.option(
          fc.constantFrom<Body>(
            { payload: '{"id":"x"}', headers: { 'content-type': 'application/json' } },
            { payload: '{"unterminated": ', headers: { 'content-type': 'application/json' } },
            { payload: 'junk', headers: { 'content-type': 'text/plain' } },
          ),
          { nil: undefined },
        );

  return fc
    .record({
      authorization,
      ids: fc.array(idArbitrary, {
        minLength: pathParameters.length,
        maxLength: pathParameters.length,
      }),
      query,
      headers,
      body,
    })
    .map(({ authorization: auth, ids, query: search, headers: extra, body: payload }) => {
      let url = path;
      pathParameters.forEach((parameter, index) => {
        url = url.replace(`{${parameter.name}}`, ids[index]);
      });
      if (search) url += `?${search}`;
      const request: InjectOptions = {
        method: method.toUpperCase() as InjectOptions['method'],
        url,
        headers: {
          ...auth,
          ...Object.fromEntries(Object.entries(extra).filter(([, value]) => value !== undefined)),
          ...(payload?.headers ?? {}),
        },
      };
      if (payload) request.payload = payload.payload;
      return request;
    });
}

function queryArbitrary(parameters: ParameterObject[], valid: boolean): fc.Arbitrary<string> {
  const entries = parameters.map((parameter) => {
    const schema = (parameter.schema ?? { type: 'string' }) as Schema;
    const value = valid
      ? validValue(document, schema)
      : fc.oneof(invalidValue(document, schema), wrongType(document, schema), oddString);
    return fc.option(
      value.map((inner) => [
        parameter.name,
        typeof inner === 'string' ? inner : JSON.stringify(inner),
      ]),
      { nil: undefined },
    );
  });
  const names = parameters.map((parameter) => parameter.name);
  const unknown = valid
    ? fc.constant([])
    : fc.array(
        fc.oneof(
          fc.tuple(fc.stringMatching(/^[a-z_]{1,10}$/), fc.string({ maxLength: 10 })),
          // A documented parameter again (repeated), or in array form (name[]=).
          ...(names.length > 0
            ? [
                fc.tuple(fc.constantFrom(...names), fc.constantFrom('1', '2', 'x')),
                fc.tuple(
                  fc.constantFrom(...names).map((name) => `${name}[]`),
                  fc.constantFrom('1', 'x'),
                ),
              ]
            : []),
        ),
        { maxLength: 2 },
      );
  return fc.tuple(fc.tuple(...entries), unknown).map(([known, extra]) => {
    const search = new URLSearchParams();
    for (const pair of [...known, ...extra]) if (pair) search.append(pair[0], pair[1]);
    // A valid request names page or cursor, not both (both is the documented 400).
    if (valid && search.has('page') && search.has('cursor')) search.delete('cursor');
    // A valid cursor comes from a previous page: a made-up one is refused (422), so leave it out.
    if (valid) search.delete('cursor');
    return search.toString();
  });
}

interface Body {
  payload: string | object;
  headers?: Record<string, string>;
}

function bodyArbitrary(
  raw: Schema,
  valid: boolean,
  hints: Record<string, unknown[]>,
): fc.Arbitrary<Body> {
  const schema = resolve(document, raw);
  const asJson = (value: unknown): Body => ({
    payload: JSON.stringify(value),
    headers: { 'content-type': 'application/json' },
  });
  if (valid) return validValue(document, schema, hints).map(asJson);

  const stringFields = Object.entries(schema.properties ?? {})
    .filter(([, property]) => resolve(document, property).type === 'string')
    .map(([name]) => name);
  return fc.oneof(
    invalidValue(document, schema).map(asJson),
    // Not an object at all.
    fc
      .oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(null, [], 0, '', 'text', true))
      .map(asJson),
    // Odd or huge strings in the fields.
    fc
      .tuple(
        validValue(document, schema) as fc.Arbitrary<Record<string, unknown>>,
        fc.constantFrom(...stringFields),
        fc.oneof(oddString, fc.constant('y'.repeat(200_000))),
      )
      .map(([value, field, text]) => asJson({ ...value, [field]: text })),
    // A field set to null or to a value of another JSON type, or to text that shows nothing.
    fc
      .tuple(
        validValue(document, schema, hints) as fc.Arbitrary<Record<string, unknown>>,
        fc.constantFrom(...Object.keys(schema.properties ?? {})),
        fc.constantFrom(...Object.values(VALUES_OF_EVERY_TYPE), ...BLANK_STRINGS),
      )
      .map(([value, field, bad]) => asJson({ ...value, [field]: bad })),
    // Nested far deeper than the parser takes.
    fc.constantFrom(...DEEPLY_NESTED_BODIES).map((payload) => ({
      payload,
      headers: { 'content-type': 'application/json' },
    })),
    // Not JSON, or not declared as JSON.
    fc.constantFrom<Body>(
      { payload: '{"unterminated": ', headers: { 'content-type': 'application/json' } },
      { payload: '{"a":1}{"b":2}', headers: { 'content-type': 'application/json' } },
      { payload: '', headers: { 'content-type': 'application/json' } },
      {
        payload: 'title=x&body=y',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      { payload: '{"title":"x"}', headers: { 'content-type': 'text/plain' } },
      { payload: '<a/>', headers: { 'content-type': 'application/xml' } },
      { payload: '{"title":"x"}', headers: { 'content-type': 'application/json; charset=latin1' } },
      { payload: '{"__proto__":{"admin":true}}', headers: { 'content-type': 'application/json' } },
      {
        payload: '{"constructor":{"prototype":{"x":1}}}',
        headers: { 'content-type': 'application/json' },
      },
    ),
  );
}

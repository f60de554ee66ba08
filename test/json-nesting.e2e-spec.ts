import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { MAX_JSON_DEPTH } from '../src/common/http/json-body-parser.js';
import { bearer, signUp, type SignedUpUser } from './support/fixtures.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * Deeply nested JSON is refused while the body is parsed (400 BAD_REQUEST with the envelope),
 * before any transformation: class-transformer recurses once per level, so a 100 KB body of
 * nested arrays overflowed its stack (a 500) and held the event loop for about 100 ms.
 */

let t: TestApp;
let user: SignedUpUser;

beforeAll(async () => {
  t = await createTestApp();
  user = await signUp(t);
});
afterAll(() => t.close());

const KB100 = 100 * 1024 - 64;

function arrays(depth: number, inner = '1'): string {
  return `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
}
function objects(depth: number, inner = '1'): string {
  return `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`;
}

const hostile: [string, string][] = [
  ['100 KB of nested arrays', arrays(KB100 / 2)],
  ['100 KB of unterminated arrays', '['.repeat(KB100)],
  ['100 KB of nested objects', objects(Math.floor(KB100 / 6))],
  ['100 KB of unterminated objects', '{"a":'.repeat(Math.floor(KB100 / 5))],
  ['nested arrays in a field', `{"email":${arrays(5000)},"password":"x"}`],
  ['nested objects in a field', `{"email":"a@example.com","password":${objects(5000)}}`],
  ['one level over the limit', `{"email":${arrays(MAX_JSON_DEPTH)},"password":"x"}`],
];

function expectBadRequest(response: InjectResponse): void {
  expect(response.statusCode).toBe(400);
  const body = response.json<{ error: Record<string, unknown> }>();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatchObject({
    code: 'BAD_REQUEST',
    message: `JSON nested deeper than ${MAX_JSON_DEPTH} levels`,
    request_id: response.headers['x-request-id'],
  });
}

describe.each([
  ['POST /users', '/users'],
  ['POST /auth/token', '/auth/token'],
  ['POST /auth/refresh', '/auth/refresh'],
])('%s', (_name, url) => {
  it.each(hostile)('%s: 400 with the envelope', async (_kind, payload) => {
    const response = await t.request({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expectBadRequest(response);
  });
});

it('an authenticated write with nested JSON is refused the same way', async () => {
  const response = await t.request({
    method: 'PATCH',
    url: `/users/${user.id}`,
    headers: { ...bearer(user.token), 'content-type': 'application/json' },
    payload: objects(10_000),
  });
  expectBadRequest(response);
});

it('nesting up to the limit is parsed and then validated (422, not 400)', async () => {
  // The body object is level 1: the field's arrays take the other MAX_JSON_DEPTH - 1.
  const response = await t.request({
    method: 'POST',
    url: '/auth/token',
    headers: { 'content-type': 'application/json' },
    payload: `{"email":${arrays(MAX_JSON_DEPTH - 1)},"password":"x"}`,
  });
  expect(response.statusCode).toBe(422);
});

it('brackets inside strings are not nesting', async () => {
  // Escaped quotes inside the string too: they do not end it.
  const name = `${'['.repeat(50)}{"a":${'{'.repeat(40)}"]`;
  const response = await t.request({
    method: 'POST',
    url: '/users',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ email: 'brackets@example.com', name, password: 'long enough' }),
  });
  expect(response.statusCode).toBe(201);
  expect(response.json<{ data: { name: string } }>().data.name).toBe(name);
});

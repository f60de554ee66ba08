import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { bearer, createPost, signUp, type SignedUpUser } from './support/fixtures.js';
import { flushed, LogCapture } from './support/log-capture.js';
import { parseRaw, rawExchange } from './support/raw-http.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * The small input defects of issue 14: text that shows nothing, numbers that are not plain
 * decimals, repeated query parameters, a duplicate Host header, a charset the body parser does
 * not decode, and secrets in a query string reaching the log.
 */

// nestjs-pino keeps one root logger per process: the capturing app is the only one here.
const logs = new LogCapture();
let t: TestApp;
let author: SignedUpUser;
let postId: string;

beforeAll(async () => {
  t = await createTestApp({ LOG_LEVEL: 'info' }, undefined, {
    logDestination: logs,
  });
  author = await signUp(t);
  postId = (await createPost(t, author)).id;
});
afterAll(() => t.close());

function fieldsOf(response: InjectResponse): string[] {
  const error = response.json<{ error: { code: string; details?: { field: string }[] } }>().error;
  expect({ status: response.statusCode, code: error.code }).toEqual({
    status: 422,
    code: 'VALIDATION_ERROR',
  });
  return (error.details ?? []).map((detail) => detail.field);
}

describe('text that shows nothing', () => {
  const blank = [
    ['spaces', '   '],
    ['a tab and a newline', '\t\n'],
    ['no-break spaces', '\u00a0\u00a0'],
    ['an ideographic space', '\u3000'],
    ['zero-width space', '\u200b'],
    ['zero-width joiners and a byte-order mark', '\u200c\u200d\ufeff'],
    ['word joiner', '\u2060'],
    ['Hangul filler', '\u3164'],
    ['zero-width space between spaces', ' \u200b '],
  ];

  it.each(blank)('a name of %s: 422 on sign-up, PATCH and PUT', async (_kind, name) => {
    const signUpResponse = await t.request({
      method: 'POST',
      url: '/users',
      payload: { email: 'blank@example.com', name, password: 'long enough' },
    });
    expect(fieldsOf(signUpResponse)).toEqual(['name']);
    const patch = await t.request({
      method: 'PATCH',
      url: `/users/${author.id}`,
      headers: bearer(author.token),
      payload: { name },
    });
    expect(fieldsOf(patch)).toEqual(['name']);
    const put = await t.request({
      method: 'PUT',
      url: `/users/${author.id}`,
      headers: bearer(author.token),
      payload: { email: author.email, name },
    });
    expect(fieldsOf(put)).toEqual(['name']);
  });

  it.each(blank)('a title of %s: 422 on create, PATCH and PUT', async (_kind, title) => {
    const create = await t.request({
      method: 'POST',
      url: `/users/${author.id}/posts`,
      headers: bearer(author.token),
      payload: { title, body: 'B' },
    });
    expect(fieldsOf(create)).toEqual(['title']);
    const patch = await t.request({
      method: 'PATCH',
      url: `/posts/${postId}`,
      headers: bearer(author.token),
      payload: { title },
    });
    expect(fieldsOf(patch)).toEqual(['title']);
    const put = await t.request({
      method: 'PUT',
      url: `/posts/${postId}`,
      headers: bearer(author.token),
      payload: { title, body: 'B' },
    });
    expect(fieldsOf(put)).toEqual(['title']);
  });

  it.each([
    ['a letter between zero-width spaces', '\u200bA\u200b'],
    ['an emoji', '🚀'],
    ['a combining sequence', 'e\u0301'],
    ['a joined emoji', '👩‍💻'],
  ])('a title or name with %s is accepted', async (_kind, text) => {
    const patch = await t.request({
      method: 'PATCH',
      url: `/posts/${postId}`,
      headers: bearer(author.token),
      payload: { title: text },
    });
    expect(patch.statusCode).toBe(200);
    const name = await t.request({
      method: 'PATCH',
      url: `/users/${author.id}`,
      headers: bearer(author.token),
      payload: { name: text },
    });
    expect(name.statusCode).toBe(200);
  });
});

describe('query parameters', () => {
  const list = (query: string): Promise<InjectResponse> =>
    t.request({ method: 'GET', url: `/posts?${query}`, headers: bearer(author.token) });

  it.each([
    'per_page=0x10',
    'per_page=1e1',
    'per_page=+5',
    'per_page=%205',
    'per_page=5.0',
    'per_page=0b11',
    'per_page=0o7',
    'per_page=Infinity',
    'per_page=',
    'page=0x2',
    'page=2e0',
  ])('%s: 422, only plain decimal integers', async (query) => {
    expect(fieldsOf(await list(query))).toEqual([query.split('=')[0]]);
  });

  it.each(['per_page=5', 'per_page=05', 'page=1&per_page=100'])('%s is accepted', async (query) => {
    expect((await list(query)).statusCode).toBe(200);
  });

  it.each([
    ['per_page', 'per_page=1&per_page=2'],
    ['per_page', 'per_page=1&per_page=1'],
    ['page', 'page=1&page=2'],
    ['cursor', 'cursor=a&cursor=b'],
  ])('%s repeated: 422 saying it is repeated', async (field, query) => {
    const response = await list(query);
    expect(fieldsOf(response)).toEqual([field]);
    const { details } = response.json<{ error: { details: { message: string }[] } }>().error;
    expect(details[0].message).toBe(`${field} must be given once, not repeated`);
  });

  it('a repeated parameter on a user list is named the same way', async () => {
    const response = await t.request({
      method: 'GET',
      url: `/users/${author.id}/posts?page=1&page=1`,
      headers: bearer(author.token),
    });
    expect(fieldsOf(response)).toEqual(['page']);
  });
});

describe('over a real socket', () => {
  let port: number;

  beforeAll(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.getHttpServer().address() as { port: number }).port;
  });

  it.each([
    ['the same host twice', 'Host: localhost\r\nHost: localhost'],
    ['two hosts', 'Host: localhost\r\nHost: evil.example'],
    ['in another case', 'Host: localhost\r\nhOsT: evil.example'],
  ])('a duplicate Host header (%s) is 400 with the envelope (RFC 9112)', async (_kind, hosts) => {
    const raw = await rawExchange(
      port,
      `GET /health HTTP/1.1\r\n${hosts}\r\nConnection: close\r\n\r\n`,
    );
    const { status, headers, body } = parseRaw(raw);
    expect(status).toBe(400);
    const envelope = JSON.parse(body) as { error: { code: string; request_id: string } };
    expect(envelope.error.code).toBe('BAD_REQUEST');
    expect(headers['x-request-id']).toBe(envelope.error.request_id);
  });

  it('one Host header is served', async () => {
    const raw = await rawExchange(
      port,
      'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
    );
    expect(parseRaw(raw).status).toBe(200);
  });
});

describe('the charset of a JSON body', () => {
  const login = (contentType: string, payload: string | Buffer): Promise<InjectResponse> =>
    t.request({
      method: 'POST',
      url: '/auth/token',
      headers: { 'content-type': contentType },
      payload,
    });
  const credentials = (): string =>
    JSON.stringify({ email: author.email, password: author.password });

  it.each([
    'application/json; charset=utf-16',
    'application/json; charset=UTF-16LE',
    'application/json; charset=iso-8859-1',
    'application/json; charset=latin1',
    'application/json; charset="utf-32"',
    'application/json; charset=',
  ])('%s: 415', async (contentType) => {
    const response = await login(contentType, credentials());
    expect(response.statusCode).toBe(415);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('a UTF-16 body declared as such: 415, not read as UTF-8', async () => {
    const response = await login(
      'application/json; charset=utf-16le',
      Buffer.from(credentials(), 'utf16le'),
    );
    expect(response.statusCode).toBe(415);
  });

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=UTF-8',
    'application/json;charset="utf-8"',
    'Application/JSON; Charset=utf-8',
  ])('%s is read', async (contentType) => {
    expect((await login(contentType, credentials())).statusCode).toBe(200);
  });
});

describe('secrets in a query string', () => {
  it.each([
    ['access_token', '/auth/me?access_token=SECRET-A1'],
    ['token', '/posts?per_page=2&token=SECRET-B2'],
    ['password', '/no/such/route?password=SECRET-C3'],
    ['client_secret', '/posts?Client_Secret=SECRET-D4&page=1'],
    ['refresh_token, percent-encoded name', '/health?refresh%5Ftoken=SECRET-E5'],
    ['a name repeated', '/posts?api_key=SECRET-F6&api_key=SECRET-G7'],
    ['an array-form name', '/posts?access_token[]=SECRET-H8'],
  ])('%s: never written to the log', async (_kind, url) => {
    const requestId = `redact-${Math.random().toString(36).slice(2)}`;
    await t.request({
      method: 'GET',
      url,
      headers: { ...bearer(author.token), 'x-request-id': requestId },
    });
    await flushed();
    const lines = logs.requestLines(requestId);
    expect(lines).toHaveLength(1);
    const text = JSON.stringify(lines[0]);
    expect(text).not.toMatch(/SECRET-/);
    expect(text).toContain('[REDACTED]');
  });

  it('other parameters stay readable', async () => {
    const requestId = 'redact-keeps-others';
    await t.request({
      method: 'GET',
      url: '/posts?per_page=3&page=2',
      headers: { ...bearer(author.token), 'x-request-id': requestId },
    });
    await flushed();
    const [line] = logs.requestLines(requestId);
    expect(line.req).toEqual({ url: '/posts?per_page=3&page=2' });
  });
});

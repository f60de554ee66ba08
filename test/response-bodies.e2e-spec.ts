import { bearer, createPost, signUp, type SignedUpUser } from './support/fixtures.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * A HEAD answers the Content-Length its GET's body has, whoever asks (a user's own
 * representation carries more fields than another's). GET bodies are written by the serialiser
 * compiled from the route's schema in the OpenAPI document, HEAD measures with the same one
 * (src/openapi/response-serializers.ts; its spec checks the mapping on a body the two serialisers
 * would write differently).
 */
describe('HEAD of the routes the document serialises', () => {
  let t: TestApp;
  let ada: SignedUpUser;
  let grace: SignedUpUser;

  beforeAll(async () => {
    t = await createTestApp();
    ada = await signUp(t);
    grace = await signUp(t);
    await createPost(t, ada, { title: 'Notes', body: 'On the engine' });
  });
  afterAll(() => t?.close());

  const routes = () => [
    { url: `/users/${ada.id}`, viewer: ada, what: 'a user, to themself' },
    { url: `/users/${ada.id}`, viewer: grace, what: 'a user, to another' },
    { url: '/users?per_page=5', viewer: grace, what: 'the users list' },
    { url: '/posts?per_page=5', viewer: grace, what: 'the posts list' },
    { url: `/users/${ada.id}/posts`, viewer: grace, what: "a user's posts" },
  ];

  it("answers each GET's Content-Length, with no body", async () => {
    for (const { url, viewer, what } of routes()) {
      const get = await t.request({ method: 'GET', url, headers: bearer(viewer.token) });
      const head = await t.request({ method: 'HEAD', url, headers: bearer(viewer.token) });
      expect({ what, status: get.statusCode }).toEqual({ what, status: 200 });
      expect({ what, length: head.headers['content-length'], body: head.body }).toEqual({
        what,
        length: String(Buffer.byteLength(get.body)),
        body: '',
      });
    }
  });
});

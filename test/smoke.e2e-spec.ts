import { createTestApp, TestApp } from './support/test-app.js';
import { bearer, createPost, signUp } from './support/fixtures.js';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('signs up, logs in, posts', async () => {
    const user = await signUp(t);
    const me = await t.request({ method: 'GET', url: '/auth/me', headers: bearer(user.token) });
    expect(me.statusCode).toBe(200);
    console.log(me.body);
    const post = await createPost(t, user);
    const list = await t.request({ method: 'GET', url: '/posts', headers: bearer(user.token) });
    console.log(list.body, post);
    const nf = await t.request({ method: 'GET', url: '/nope' });
    console.log(nf.statusCode, nf.body, nf.headers);
    const bad = await t.request({
      method: 'POST',
      url: '/users',
      headers: { 'content-type': 'application/json' },
      payload: '{bad',
    });
    console.log(bad.statusCode, bad.body);
    const txt = await t.request({
      method: 'POST',
      url: '/users',
      headers: { 'content-type': 'text/plain' },
      payload: 'hi',
    });
    console.log(txt.statusCode, txt.body);
    const big = await t.request({
      method: 'POST',
      url: '/users',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ x: 'a'.repeat(200000) }),
    });
    console.log(big.statusCode, big.body);
    const val = await t.request({
      method: 'POST',
      url: '/users',
      payload: { email: 'nope', extra: 1 },
    });
    console.log(val.statusCode, val.body);
  });
});

import { randomUUID } from 'node:crypto';
import { TestApp } from './test-app.js';

export interface SignedUpUser {
  id: string;
  email: string;
  password: string;
  token: string;
  refreshToken: string;
}

let counter = 0;

/** Signs a new user up through the API and logs them in. */
export async function signUp(
  t: TestApp,
  overrides: { email?: string; name?: string } = {},
): Promise<SignedUpUser> {
  counter += 1;
  const email = overrides.email ?? `user${counter}-${randomUUID().slice(0, 8)}@example.com`;
  const password = 'correct horse battery staple';
  const created = await t.request({
    method: 'POST',
    url: '/users',
    payload: { email, name: overrides.name ?? `User ${counter}`, password },
  });
  if (created.statusCode !== 201)
    throw new Error(`sign-up failed: ${created.statusCode} ${created.body}`);
  const login = await t.request({
    method: 'POST',
    url: '/auth/token',
    payload: { email, password },
  });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.statusCode} ${login.body}`);
  const tokens = login.json<{ data: { access_token: string; refresh_token: string } }>().data;
  return {
    id: created.json<{ data: { id: string } }>().data.id,
    email,
    password,
    token: tokens.access_token,
    refreshToken: tokens.refresh_token,
  };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Creates a post through the API as its author. */
export async function createPost(
  t: TestApp,
  author: SignedUpUser,
  input: { title?: string; body?: string } = {},
): Promise<{ id: string; title: string; body: string }> {
  const response = await t.request({
    method: 'POST',
    url: `/users/${author.id}/posts`,
    headers: bearer(author.token),
    payload: { title: input.title ?? 'A title', body: input.body ?? 'A body' },
  });
  if (response.statusCode !== 201)
    throw new Error(`create post failed: ${response.statusCode} ${response.body}`);
  return response.json<{ data: { id: string; title: string; body: string } }>().data;
}

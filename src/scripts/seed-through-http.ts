import { DEMO_PASSWORD, DEMO_USERS, demoPostsOf } from '../database/demo-data.js';

/**
 * Adds the demo users and posts through a running service's public API, the way a client would:
 * sign up (409: the user exists, skipped), log in, create the posts. Used by `npm run seed` when
 * the service holds the embedded database, which no second process may open.
 */
export async function seedThroughHttp(
  baseUrl: string,
  report: (line: string) => void,
): Promise<void> {
  for (const demo of DEMO_USERS) {
    const signUp = await call(baseUrl, 'POST', '/users', { ...demo, password: DEMO_PASSWORD });
    if (signUp.status === 409) {
      report(`exists:  ${demo.email}`);
      continue;
    }
    const userId = (signUp.body as { data: { id: string } }).data.id;
    const login = await call(baseUrl, 'POST', '/auth/token', {
      email: demo.email,
      password: DEMO_PASSWORD,
    });
    const token = (login.body as { data: { access_token: string } }).data.access_token;
    const posts = demoPostsOf(demo.name);
    for (const post of posts) await call(baseUrl, 'POST', `/users/${userId}/posts`, post, token);
    report(`created: ${demo.email} with ${posts.length} posts`);
  }
}

async function call(
  baseUrl: string,
  method: string,
  path: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const parsed: unknown = await response.json().catch(() => undefined);
  if (!response.ok && response.status !== 409) {
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new Error(
      `${method} ${path} at ${baseUrl} answered ${response.status}${error ? ` ${error.code}: ${error.message}` : ''}`,
    );
  }
  return { status: response.status, body: parsed };
}

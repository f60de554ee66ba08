import { idempotencyScope } from './idempotency.interceptor.js';

const ID = '5b7c0e44-4d4b-4a2e-9d8e-1f0c2a3b4c5d';
const caller = { publicId: ID, id: 1, scopes: [] };

/** A request as Fastify hands it over once the router matched `template`. */
function request(url: string, params: Record<string, string>, template = '/users/:id/posts') {
  return {
    user: caller,
    ip: '203.0.113.1',
    method: 'POST',
    url,
    params,
    routeOptions: { url: template },
  } as unknown as Parameters<typeof idempotencyScope>[0];
}

describe('idempotencyScope', () => {
  const canonical = idempotencyScope(request(`/users/${ID}/posts`, { id: ID }), 'k');

  it('is the path as typed for a request in canonical form (keys stored before stay valid)', () => {
    expect(canonical).toEqual([ID, 'POST', `/users/${ID}/posts`, 'k']);
  });

  it.each([
    [`/users/${ID}/posts/`, ID],
    [`/users/${ID.toUpperCase()}/posts`, ID.toUpperCase()],
    [`/users/${ID.toUpperCase()}/posts/?x=1`, ID.toUpperCase()],
  ])('%s is the same scope', (url, id) => {
    expect(idempotencyScope(request(url, { id }), 'k')).toEqual(canonical);
  });

  it('another key, caller or route is another scope', () => {
    expect(idempotencyScope(request(`/users/${ID}/posts`, { id: ID }), 'other')).not.toEqual(
      canonical,
    );
    const signUp = idempotencyScope({ ...request('/users', {}, '/users'), user: undefined }, 'k');
    expect(signUp).toEqual(['ip:203.0.113.1', 'POST', '/users', 'k']);
  });
});

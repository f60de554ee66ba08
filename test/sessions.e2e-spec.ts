import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import {
  expectData,
  expectError,
  expectUnauthorized,
  ISO_UTC,
  UUID,
} from './support/api-expectations.js';
import { bearer, signUp, SignedUpUser } from './support/fixtures.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { decodeJwt } from './support/tokens.js';

/**
 * Issue 17, Sessions: a login starts a session (its refresh-token family); GET /auth/sessions
 * lists the caller's live ones, newest first; DELETE /auth/sessions/{id} revokes one, its refresh
 * token and its access tokens at once.
 */

const SESSION_KEYS = ['created_at', 'current', 'id', 'ip', 'last_used_at', 'user_agent'];

interface SessionBody {
  id: string;
  created_at: string;
  last_used_at: string;
  user_agent: string | null;
  ip: string | null;
  current: boolean;
}

interface TokenBody {
  access_token: string;
  refresh_token: string;
}

describe('sessions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  async function loginFrom(user: SignedUpUser, ip: string, userAgent: string): Promise<TokenBody> {
    const response = await t.request({
      method: 'POST',
      url: '/auth/token',
      remoteAddress: ip,
      headers: { 'user-agent': userAgent },
      payload: { email: user.email, password: user.password },
    });
    return expectData<TokenBody>(response);
  }

  function list(token: string): Promise<InjectResponse> {
    return t.request({ method: 'GET', url: '/auth/sessions', headers: bearer(token) });
  }

  async function sessionsOf(token: string): Promise<SessionBody[]> {
    const sessions = expectData<SessionBody[]>(await list(token));
    for (const session of sessions) {
      expect(Object.keys(session).sort()).toEqual(SESSION_KEYS);
      expect(session.id).toMatch(UUID);
      expect(session.created_at).toMatch(ISO_UTC);
      expect(session.last_used_at).toMatch(ISO_UTC);
    }
    return sessions;
  }

  function revoke(token: string, id: string): Promise<InjectResponse> {
    return t.request({ method: 'DELETE', url: `/auth/sessions/${id}`, headers: bearer(token) });
  }

  function me(token: string): Promise<InjectResponse> {
    return t.request({ method: 'GET', url: '/auth/me', headers: bearer(token) });
  }

  function refresh(refreshToken: string): Promise<InjectResponse> {
    return t.request({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refresh_token: refreshToken },
    });
  }

  it('lists the live sessions newest first, with user agent, address and which is the caller', async () => {
    const user = await signUp(t); // session 1, from 127.0.0.1
    const laptop = await loginFrom(user, '198.51.100.7', 'Laptop/1.0');
    const phone = await loginFrom(user, '198.51.100.8', 'Phone/2.0');

    const sessions = await sessionsOf(phone.access_token);
    expect(sessions).toHaveLength(3);
    expect(sessions.map((s) => [s.user_agent, s.ip, s.current])).toEqual([
      ['Phone/2.0', '198.51.100.8', true],
      ['Laptop/1.0', '198.51.100.7', false],
      [expect.anything(), '127.0.0.1', false],
    ]);
    const created = sessions.map((s) => Date.parse(s.created_at));
    expect([...created].sort((x, y) => y - x)).toEqual(created);
    // The access token names its session.
    expect(decodeJwt(phone.access_token).payload.sid).toBe(sessions[0].id);

    const fromLaptop = await sessionsOf(laptop.access_token);
    expect(fromLaptop.filter((s) => s.current).map((s) => s.user_agent)).toEqual(['Laptop/1.0']);
  });

  it('a refresh keeps the session and moves its last_used_at', async () => {
    const user = await signUp(t);
    const [before] = await sessionsOf(user.token);
    const rotated = expectData<TokenBody>(await refresh(user.refreshToken));
    const after = await sessionsOf(rotated.access_token);
    expect(after).toHaveLength(1);
    expect(after[0].id).toBe(before.id);
    expect(after[0].current).toBe(true);
    expect(Date.parse(after[0].last_used_at)).toBeGreaterThanOrEqual(
      Date.parse(before.last_used_at),
    );
    expect(after[0].created_at).toBe(before.created_at);
  });

  it("lists only the caller's own sessions", async () => {
    const alice = await signUp(t);
    const bob = await signUp(t);
    const ids = (await sessionsOf(alice.token)).map((s) => s.id);
    const bobs = (await sessionsOf(bob.token)).map((s) => s.id);
    expect(ids).toHaveLength(1);
    expect(bobs).toHaveLength(1);
    expect(bobs).not.toContain(ids[0]);
  });

  it('DELETE another session of mine: 204, its refresh and access tokens are refused, mine work', async () => {
    const user = await signUp(t);
    const other = await loginFrom(user, '198.51.100.9', 'Other/1.0');
    const target = (await sessionsOf(user.token)).find((s) => s.user_agent === 'Other/1.0');
    expect(target).toBeDefined();

    const response = await revoke(user.token, target!.id);
    expect({ status: response.statusCode, body: response.body }).toEqual({ status: 204, body: '' });
    expectUnauthorized(await refresh(other.refresh_token));
    expectUnauthorized(await me(other.access_token));
    expect((await sessionsOf(user.token)).map((s) => s.id)).not.toContain(target!.id);
    expectData(await me(user.token));
    expectData(await refresh(user.refreshToken));

    // Gone: a second DELETE finds no live session.
    expectError(await revoke(user.token, target!.id), 404, 'NOT_FOUND');
  });

  it('DELETE the current session logs it out: its access token stops at once, its refresh fails', async () => {
    const user = await signUp(t);
    const [current] = await sessionsOf(user.token);
    expect(current.current).toBe(true);
    const response = await revoke(user.token, current.id);
    expect(response.statusCode).toBe(204);
    expectUnauthorized(await me(user.token));
    expectUnauthorized(await refresh(user.refreshToken));
  });

  it("another user's session id is 404, and stays live", async () => {
    const alice = await signUp(t);
    const bob = await signUp(t);
    const [bobs] = await sessionsOf(bob.token);
    expectError(await revoke(alice.token, bobs.id), 404, 'NOT_FOUND');
    expectData(await me(bob.token));
    expectData(await refresh(bob.refreshToken));
  });

  it('a malformed or unknown id is 404', async () => {
    const user = await signUp(t);
    for (const id of ['not-a-uuid', '123', randomUUID(), `${randomUUID()}x`]) {
      expectError(await revoke(user.token, id), 404, 'NOT_FOUND');
    }
  });

  it('an upper-case id names the same session', async () => {
    const user = await signUp(t);
    const other = await loginFrom(user, '198.51.100.10', 'Upper/1.0');
    const target = (await sessionsOf(user.token)).find((s) => s.user_agent === 'Upper/1.0')!;
    expect((await revoke(user.token, target.id.toUpperCase())).statusCode).toBe(204);
    expectUnauthorized(await refresh(other.refresh_token));
  });

  it('logout ends the session: it leaves the list', async () => {
    const user = await signUp(t);
    const other = await loginFrom(user, '198.51.100.11', 'Leaving/1.0');
    const logout = await t.request({
      method: 'POST',
      url: '/auth/logout',
      payload: { refresh_token: other.refresh_token },
    });
    expect(logout.statusCode).toBe(204);
    const agents = (await sessionsOf(user.token)).map((s) => s.user_agent);
    expect(agents).not.toContain('Leaving/1.0');
  });

  it('keeps at most 512 characters of a user agent, and none when there is none', async () => {
    const user = await signUp(t);
    const long = await loginFrom(user, '198.51.100.12', `Long/${'x'.repeat(2000)}`);
    const [newest] = await sessionsOf(long.access_token);
    expect(newest.user_agent).toHaveLength(512);
    const response = await t.request({
      method: 'POST',
      url: '/auth/token',
      headers: { 'user-agent': '' },
      payload: { email: user.email, password: user.password },
    });
    const bare = expectData<TokenBody>(response);
    const [latest] = await sessionsOf(bare.access_token);
    expect(latest.user_agent).toBeNull();
  });

  it('needs a token: 401', async () => {
    expectUnauthorized(await t.request({ method: 'GET', url: '/auth/sessions' }));
    expectUnauthorized(
      await t.request({ method: 'DELETE', url: `/auth/sessions/${randomUUID()}` }),
    );
  });
});

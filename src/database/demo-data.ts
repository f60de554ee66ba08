/**
 * The demo data `npm run seed` adds, for people exploring the API in Swagger UI. The OpenAPI
 * document's login example names the first demo user, so "Try it out" on POST /auth/token logs
 * in once the seed has run.
 */

/** All demo users share this password. */
export const DEMO_PASSWORD = 'demo-password';

export const DEMO_USERS = [
  { email: 'ada@example.com', name: 'Ada Lovelace' },
  { email: 'grace@example.com', name: 'Grace Hopper' },
  { email: 'alan@example.com', name: 'Alan Turing' },
] as const;

/** The demo user the examples log in as. */
export const DEMO_LOGIN = { email: DEMO_USERS[0].email, password: DEMO_PASSWORD } as const;

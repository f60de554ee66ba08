/** Demo users for people exploring the API in Swagger UI; all share this password. */
export const DEMO_PASSWORD = 'demo-password';

export const DEMO_USERS: readonly { readonly email: string; readonly name: string }[] = [
  { email: 'ada@example.com', name: 'Ada Lovelace' },
  { email: 'grace@example.com', name: 'Grace Hopper' },
  { email: 'alan@example.com', name: 'Alan Turing' },
];

export const POSTS_PER_USER = 5;

/** The demo posts of one demo user. */
export function demoPostsOf(name: string): { title: string; body: string }[] {
  const firstName = name.split(' ')[0];
  return Array.from({ length: POSTS_PER_USER }, (_, index) => ({
    title: `${firstName}'s post #${index + 1}`,
    body: `Demo post ${index + 1} by ${name}.`,
  }));
}

/**
 * The demo user the examples log in as: the OpenAPI document's POST /auth/token example names it,
 * so "Try it out" logs in once the seed has run.
 */
export const DEMO_LOGIN = { email: DEMO_USERS[0].email, password: DEMO_PASSWORD } as const;

/** How to log in as the demo user, for the seed's last line and the service's start line. */
export const DEMO_LOGIN_TEXT = `${DEMO_LOGIN.email} / ${DEMO_LOGIN.password}`;

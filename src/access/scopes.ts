export const SCOPES = ['users:read', 'users:write', 'posts:read', 'posts:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** What a new user is granted at sign-up (API.md, Endpoints). */
export const DEFAULT_USER_SCOPES: Scope[] = [
  'users:read',
  'users:write',
  'posts:read',
  'posts:write',
];

/** Who is calling, as the JWT guard attaches it to the request. */
export interface AuthenticatedUser {
  /** Internal id, for queries. */
  readonly id: number;
  /** Public id (the token's `sub`). */
  readonly publicId: string;
  /** The token's scopes that the user still holds (both, per request). */
  readonly scopes: readonly string[];
  /** The user's current credential version. */
  readonly credentialVersion: number;
  /** The session of the calling token, if it names one. */
  readonly sessionId?: string;
}

export const ADMIN_SCOPE = 'admin';

export function isAdmin(user: AuthenticatedUser | undefined): boolean {
  return user?.scopes.includes(ADMIN_SCOPE) ?? false;
}

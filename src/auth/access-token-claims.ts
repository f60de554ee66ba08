/** The claims of an access token (API.md, Tokens). */
export interface AccessTokenClaims {
  sub: string;
  scope: string[];
  iat: number;
  exp: number;
  iss: string;
  aud: string | string[];
  /** The session (login) the token was issued for; absent on tokens from before sessions. */
  sid?: string;
  /** The user's credential version at issue (absent: 0); a password change moves it on. */
  ver?: number;
}

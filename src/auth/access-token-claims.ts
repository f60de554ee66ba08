/** The claims of an access token (API.md, Tokens). */
export interface AccessTokenClaims {
  sub: string;
  scope: string[];
  iat: number;
  exp: number;
  iss: string;
  aud: string | string[];
}

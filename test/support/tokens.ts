import { createHmac, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { DEFAULT_SCOPES } from './api-expectations.js';
import type { TestApp } from './test-app.js';

/**
 * Building access tokens the app did not issue, for the authentication suite: valid ones (to show
 * that a forgery is refused for its one defect, not for something else) and forged ones.
 */

export type Claims = Record<string, unknown>;
export type JwtHeader = Record<string, unknown>;

export interface DecodedJwt {
  header: JwtHeader;
  payload: Claims;
  signature: string;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** Splits and decodes a JWT without checking anything. */
export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error(`not a JWS compact token: ${parts.length} parts`);
  const [header, payload, signature] = parts;
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as JwtHeader,
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims,
    signature,
  };
}

/**
 * Claims the app accepts for `sub` (a live user): the default scopes, issued now, the app's
 * lifetime, issuer and audience. `overrides` replace or add claims.
 */
export function validClaims(t: TestApp, sub: string, overrides: Claims = {}): Claims {
  const iat = nowSeconds();
  return {
    sub,
    scope: [...DEFAULT_SCOPES],
    iat,
    exp: iat + t.config.jwt.accessTokenTtlSeconds,
    iss: t.config.jwt.issuer,
    aud: t.config.jwt.audience,
    ...overrides,
  };
}

/** The claims without the named ones. */
export function withoutClaims(claims: Claims, ...names: string[]): Claims {
  return Object.fromEntries(Object.entries(claims).filter(([name]) => !names.includes(name)));
}

/** Signs exactly `claims` (no iat added) with jsonwebtoken. */
export function signToken(
  claims: Claims,
  secret: string,
  algorithm: jwt.Algorithm = 'HS256',
): string {
  return jwt.sign(claims, secret, { algorithm, noTimestamp: true });
}

/** Signs exactly `claims` with the app's own key, as the app would (HS256). */
export function signAsApp(t: TestApp, claims: Claims): string {
  return signToken(claims, t.config.jwt.secret);
}

const HMAC_HASHES: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

/**
 * An HMAC-signed JWT built by hand, with no library in the way: any header, any payload (even
 * one that is not an object).
 */
export function signByHand(header: JwtHeader, payload: unknown, secret: string): string {
  const hash = HMAC_HASHES[String(header.alg)];
  if (!hash) throw new Error(`signByHand: no HMAC for alg ${String(header.alg)}`);
  const input = `${encodeSegment(header)}.${encodeSegment(payload)}`;
  return `${input}.${createHmac(hash, Buffer.from(secret, 'utf8')).update(input).digest('base64url')}`;
}

/** An unsigned token (`alg: none` or a spelling of it), with an empty signature. */
export function unsignedToken(claims: Claims, alg = 'none'): string {
  return `${encodeSegment({ alg, typ: 'JWT' })}.${encodeSegment(claims)}.`;
}

/** The token with its signature removed (the trailing dot kept, as `alg: none` tokens have). */
export function stripSignature(token: string): string {
  return token.slice(0, token.lastIndexOf('.') + 1);
}

/** The token with claims changed in its payload, header and signature kept as they were. */
export function alterPayload(token: string, changes: Claims): string {
  const { payload } = decodeJwt(token);
  const [header, , signature] = token.split('.');
  return `${header}.${encodeSegment({ ...payload, ...changes })}.${signature}`;
}

/** A fresh HS256 secret that is not the app's. */
export function anotherSecret(): string {
  return randomBytes(32).toString('hex');
}

/** Checks a token's signature and claims as the app should (HS256 only, exp, iss, aud). */
export function verifyAsApp(t: TestApp, token: string): Claims {
  return jwt.verify(token, t.config.jwt.secret, {
    algorithms: ['HS256'],
    issuer: t.config.jwt.issuer,
    audience: t.config.jwt.audience,
  }) as Claims;
}

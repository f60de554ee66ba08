import { createSecretKey, KeyObject } from 'node:crypto';

/**
 * The HS256 key as a KeyObject. jsonwebtoken re-parses a string secret on every sign and verify
 * (hundreds of microseconds each); a KeyObject is parsed once.
 */
export function jwtKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

export const JWT_ALGORITHM = 'HS256';

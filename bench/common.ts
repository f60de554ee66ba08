/**
 * Helpers shared by the benchmark harness (run.ts), the baseline server (baseline.ts) and the raw
 * argon2 measurement (argon2-rate.ts). Nothing here imports the application: the baseline must
 * stay a bare Fastify server, and the harness talks to the service over HTTP only.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** argon2id at OWASP's parameters, as src/users/password.service.ts hashes passwords. */
export const ARGON2_OPTIONS = {
  algorithm: 2, // Algorithm.Argon2id (an ambient const enum, not importable as a value)
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** The SET/MGET key layout of the baseline's hand-written cache-aside (mirrors ResourceCache). */
export const NO_TAG = '-';

/** UUID of any version, as class-validator's isUUID accepts it (the service checks `sub` so). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Pagination cursors exactly as src/common/pagination/cursor-codec.ts seals them (AES-256-GCM,
 * key derived from the JWT secret), so the harness can mint the cursor of a page at any depth and
 * the baseline opens the same cursors the service does.
 */
export class CursorCodec {
  private readonly key: Buffer;

  constructor(jwtSecret: string) {
    this.key = Buffer.from(hkdfSync('sha256', jwtSecret, '', 'pagination-cursor', 32));
  }

  encode(list: string, id: number): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(JSON.stringify({ list, id })), cipher.final()]);
    return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
  }

  decode(list: string, cursor: string): number | null {
    const raw = Buffer.from(cursor, 'base64url');
    if (raw.length <= IV_BYTES + TAG_BYTES || raw.toString('base64url') !== cursor) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const plaintext = Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
        decipher.final(),
      ]);
      const payload = JSON.parse(plaintext.toString('utf8')) as { list?: unknown; id?: unknown };
      return payload.list === list && Number.isSafeInteger(payload.id)
        ? (payload.id as number)
        : null;
    } catch {
      return null;
    }
  }
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The q-quantile (0..1) of already collected samples, nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function positiveNumber(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(parsed) && parsed > 0
    ? parsed
    : fallback;
}

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectConfig } from '../../config/inject-config.decorator.js';
import type { AppConfig } from '../../config/app-config.js';

interface CursorPayload {
  /** Which list the cursor belongs to, so one list's cursor is refused by another. */
  list: string;
  /** Internal id of the last row of the previous page. */
  id: number;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Cursors are AES-256-GCM sealed: tamper-evident (a forged or garbled one fails to open) and
 * opaque (the internal id inside never leaves the server readable). The key is derived from the
 * JWT secret, so every instance of a deployment reads every other's cursors.
 */
@Injectable()
export class CursorCodec {
  private readonly key: Buffer;

  constructor(@InjectConfig() config: AppConfig) {
    this.key = Buffer.from(hkdfSync('sha256', config.jwt.secret, '', 'pagination-cursor', 32));
  }

  encode(list: string, id: number): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const plaintext = Buffer.from(JSON.stringify({ list, id } satisfies CursorPayload));
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
  }

  /** The id the cursor carries, or null when the cursor is garbled, forged or for another list. */
  decode(list: string, cursor: string): number | null {
    const raw = Buffer.from(cursor, 'base64url');
    // Node skips characters it cannot decode: insist that the text is exactly what encode() made.
    if (raw.length <= IV_BYTES + TAG_BYTES || raw.toString('base64url') !== cursor) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const plaintext = Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
        decipher.final(),
      ]);
      const payload = JSON.parse(plaintext.toString('utf8')) as Partial<CursorPayload>;
      return payload.list === list && Number.isSafeInteger(payload.id)
        ? (payload.id as number)
        : null;
    } catch {
      return null;
    }
  }
}

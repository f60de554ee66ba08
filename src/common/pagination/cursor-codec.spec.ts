import type { AppConfig } from '../../config/app-config.js';
import { CursorCodec } from './cursor-codec.js';

/** The codec only reads the JWT secret from the configuration. */
function codecWith(secret: string): CursorCodec {
  return new CursorCodec({ jwt: { secret } } as unknown as AppConfig);
}

function bytesOf(cursor: string): Buffer {
  return Buffer.from(cursor, 'base64url');
}

function textOf(bytes: Buffer): string {
  return bytes.toString('base64url');
}

describe('CursorCodec', () => {
  const secret = 'a-test-secret-that-is-at-least-32-bytes-long';
  const codec = codecWith(secret);

  describe('round trip', () => {
    it.each([1, 42, 2_147_483_647, Number.MAX_SAFE_INTEGER])(
      'decodes the id %p it encoded, for the same list',
      (id) => {
        expect(codec.decode('posts', codec.encode('posts', id))).toBe(id);
        expect(codec.decode('users', codec.encode('users', id))).toBe(id);
      },
    );

    it('opens a cursor sealed by another codec built from the same secret (another instance)', () => {
      const cursor = codec.encode('posts', 7);
      expect(codecWith(secret).decode('posts', cursor)).toBe(7);
    });

    it('produces URL-safe text with no padding', () => {
      for (let id = 1; id <= 50; id += 1) {
        expect(codec.encode('posts', id)).toMatch(/^[A-Za-z0-9_-]+$/);
      }
    });

    it('seals the same position differently each time (fresh IV), and both open', () => {
      const first = codec.encode('posts', 99);
      const second = codec.encode('posts', 99);
      expect(first).not.toBe(second);
      expect(codec.decode('posts', first)).toBe(99);
      expect(codec.decode('posts', second)).toBe(99);
    });
  });

  describe('refusals (decode answers null)', () => {
    it("refuses another list's cursor", () => {
      expect(codec.decode('posts', codec.encode('users', 5))).toBeNull();
      expect(codec.decode('users', codec.encode('posts', 5))).toBeNull();
    });

    it.each([
      ['empty', ''],
      ['plain words', 'not-a-cursor'],
      ['punctuation only', '!!!!????'],
      ['a short base64url string', 'AAAA'],
      ['a long run of one letter', 'A'.repeat(200)],
      ['JSON in clear', '{"list":"posts","id":1}'],
      [
        'base64url JSON (a forged, unsealed cursor)',
        Buffer.from('{"list":"posts","id":1}').toString('base64url'),
      ],
      [
        'random bytes of a plausible length',
        Buffer.from(Array.from({ length: 60 }, (_, i) => (i * 37 + 11) % 256)).toString(
          'base64url',
        ),
      ],
    ])('refuses a garbled cursor: %s', (_label, garbled) => {
      expect(codec.decode('posts', garbled)).toBeNull();
    });

    it('refuses the cursor with any single byte flipped (IV, ciphertext or tag)', () => {
      const original = bytesOf(codec.encode('posts', 1234));
      for (let index = 0; index < original.length; index += 1) {
        const tampered = Buffer.from(original);
        tampered[index] ^= 0x01;
        expect({ index, id: codec.decode('posts', textOf(tampered)) }).toEqual({
          index,
          id: null,
        });
      }
    });

    it('refuses every truncation of the cursor', () => {
      const cursor = codec.encode('posts', 1234);
      for (let length = 0; length < cursor.length; length += 1) {
        expect({ length, id: codec.decode('posts', cursor.slice(0, length)) }).toEqual({
          length,
          id: null,
        });
      }
    });

    it('refuses the cursor with bytes appended', () => {
      const original = bytesOf(codec.encode('posts', 1234));
      const extended = Buffer.concat([original, Buffer.from([0, 1, 2])]);
      expect(codec.decode('posts', textOf(extended))).toBeNull();
    });

    it('refuses a cursor sealed with another secret', () => {
      const other = codecWith('another-secret-that-is-also-32-bytes-or-more');
      expect(other.decode('posts', codec.encode('posts', 10))).toBeNull();
      expect(codec.decode('posts', other.encode('posts', 10))).toBeNull();
    });
  });

  describe('opacity', () => {
    it('does not carry the id or the list name in clear, in the text or its base64 decoding', () => {
      const id = 123_456_789;
      const cursor = codec.encode('posts', id);
      const decodings = [
        cursor,
        Buffer.from(cursor, 'base64url').toString('latin1'),
        Buffer.from(cursor, 'base64').toString('latin1'),
      ];
      for (const text of decodings) {
        expect(text).not.toContain(String(id));
        expect(text).not.toContain('posts');
        expect(text).not.toContain('"id"');
        expect(text).not.toContain('"list"');
      }
      expect(() => {
        JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      }).toThrow();
    });
  });
});

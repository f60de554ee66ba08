import { Transform } from 'class-transformer';

/** Trims a string field before validation; other types pass through to fail validation. */
export const Trim = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/**
 * Emails are trimmed, lower-cased and NFC-normalised (API.md, Resources), so that `Cafe\u0301@`
 * and `Café@` are one account.
 */
export const NormaliseEmail = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? normaliseEmail(value) : value,
  );

/** The one form an email is stored and looked up in. NFC last: lower-casing can decompose. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase().normalize('NFC');
}

/** The longest email (RFC 5321: a path of 256 octets, less the angle brackets). */
export const EMAIL_MAX_LENGTH = 254;

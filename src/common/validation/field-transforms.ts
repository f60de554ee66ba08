import { Transform } from 'class-transformer';

/** Trims a string field before validation; other types pass through to fail validation. */
export const Trim = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/** Emails are trimmed and lower-cased (API.md, Resources). */
export const NormaliseEmail = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim().toLowerCase() : value,
  );

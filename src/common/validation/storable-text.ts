import { Matches } from 'class-validator';

/**
 * Text PostgreSQL can store and validators can read: no U+0000 (PostgreSQL text cannot hold it)
 * and no unpaired UTF-16 surrogate (not Unicode text at all: it would be stored as U+FFFD, and
 * the email validator throws on it). As a JSON Schema pattern, for the OpenAPI document.
 */
export const STORABLE_TEXT_PATTERN = '^[^\\u0000\\p{Cs}]*$';

/**
 * Refuses what STORABLE_TEXT_PATTERN excludes with 422, rather than a 500 from the database or a
 * validator. Put it right after IsString(), before the other rules of the field.
 */
export const StorableText = (): PropertyDecorator =>
  Matches(new RegExp(STORABLE_TEXT_PATTERN, 'u'), {
    message: ({ property }) =>
      `${property} must be Unicode text without the NUL character or unpaired surrogates`,
  });

import { Matches } from 'class-validator';

/**
 * Text PostgreSQL can store and validators can read: no U+0000 (PostgreSQL text cannot hold it)
 * and no unpaired UTF-16 surrogate (not Unicode text at all: it would be stored as U+FFFD, and
 * the email validator throws on it).
 *
 * Written with \uXXXX escapes and ranges only, so that it means the same with and without
 * JavaScript's `u` flag: OpenAPI 3.0 patterns are ECMA-262 without it (where `\p{Cs}` would be
 * the letters p, {, C, s, }), while ajv and the server compile it with it. Without `u` it reads
 * UTF-16 code units (any unit but NUL and surrogates, or a high surrogate followed by a low one);
 * with `u` a pair is one code point, outside the surrogate range, and a lone surrogate is refused
 * by both alternatives.
 */
export const STORABLE_TEXT_PATTERN =
  '^(?:[^\\u0000\\uD800-\\uDFFF]|[\\uD800-\\uDBFF][\\uDC00-\\uDFFF])*$';

/**
 * Refuses what STORABLE_TEXT_PATTERN excludes with 422, rather than a 500 from the database or a
 * validator. Put it right after IsString(), before the other rules of the field.
 */
export const StorableText = (): PropertyDecorator =>
  Matches(new RegExp(STORABLE_TEXT_PATTERN, 'u'), {
    message: ({ property }) =>
      `${property} must be Unicode text without the NUL character or unpaired surrogates`,
  });

/**
 * A character that shows: not white space, not a control character, and not a default-ignorable
 * code point (zero-width spaces and joiners, the byte-order mark, word joiner, Hangul fillers...),
 * which render as nothing. A name or title made only of those would look empty. Unicode property
 * escapes need the `u` flag, which OpenAPI 3.0 patterns lack: the document states this rule in
 * the field's description and carries STORABLE_TEXT_PATTERN only.
 */
const VISIBLE_CHARACTER = '[^\\p{White_Space}\\p{Default_Ignorable_Code_Point}\\p{Cc}\\p{Cs}]';

/**
 * Refuses text with no visible character (422). Put it after StorableText() and the length
 * rule, so that it only ever scans a bounded string.
 */
export const VisibleText = (): PropertyDecorator =>
  Matches(new RegExp(VISIBLE_CHARACTER, 'u'), {
    message: ({ property }) => `${property} must contain a visible character`,
  });

import { applyDecorators } from '@nestjs/common';
import { Matches } from 'class-validator';

/** Strings without U+0000, as a JSON Schema pattern (for the OpenAPI document). */
export const NO_NUL_PATTERN = '^[^\\u0000]*$';

/**
 * PostgreSQL text cannot hold U+0000: a string field that reaches the database refuses it with
 * 422, rather than failing there with a 500. Put it after IsString().
 */
export const NoNulCharacter = (): PropertyDecorator =>
  applyDecorators(
    Matches(new RegExp(NO_NUL_PATTERN, 'u'), {
      message: ({ property }) => `${property} must not contain the NUL character (U+0000)`,
    }),
  );

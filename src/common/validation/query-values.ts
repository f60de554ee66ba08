import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';

/** Digits only, as a person writes a count: no sign, exponent, hex, binary or octal prefix. */
const DECIMAL_DIGITS = /^[0-9]{1,15}$/;

/**
 * A query value that must be a plain decimal integer becomes a number; anything else (`0x10`,
 * `1e1`, ` 5`, `+5`, `5.0`, which Number() would all accept) stays a string, for IsInt() to refuse.
 */
export const DecimalInteger = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && DECIMAL_DIGITS.test(value) ? Number(value) : value,
  );

/**
 * A query parameter given more than once (`per_page=1&per_page=2`) reaches the DTO as an array:
 * say so, rather than reporting an array as "not an integer". Put it before the type rule.
 */
export const GivenOnce = (): PropertyDecorator =>
  ValidateBy({
    name: 'givenOnce',
    validator: {
      validate: (value: unknown) => !Array.isArray(value),
      defaultMessage: (args) => `${args?.property ?? 'parameter'} must be given once, not repeated`,
    },
  });

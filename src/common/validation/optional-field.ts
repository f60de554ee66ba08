import { ValidateIf } from 'class-validator';

/**
 * A field that may be left out, and is validated whenever it is present. class-validator's
 * IsOptional() also skips every rule for `null`, which a PATCH would then write (a NOT NULL
 * violation, or null handed to the password hasher: a 500). Here `null` is a value like any
 * other and fails the field's type rule: 422 naming the field.
 */
export const OptionalField = (): PropertyDecorator =>
  ValidateIf((_object: object, value: unknown) => value !== undefined);

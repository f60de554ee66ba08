import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsEmail, IsIn, IsString, Length, MaxLength } from 'class-validator';
import {
  EMAIL_MAX_LENGTH,
  NormaliseEmail,
  Trim,
} from '../../common/validation/field-transforms.js';
import { OptionalField } from '../../common/validation/optional-field.js';
import {
  STORABLE_TEXT_PATTERN,
  StorableText,
  VisibleText,
} from '../../common/validation/storable-text.js';
import { SCOPES } from '../../access/scopes.js';

/** Field decorators joining validation, normalisation and OpenAPI metadata, one per user field. */
export const EmailField = (options: { optional?: boolean } = {}): PropertyDecorator =>
  applyDecorators(
    (options.optional ? ApiPropertyOptional : ApiProperty)({
      format: 'email',
      maxLength: EMAIL_MAX_LENGTH,
      pattern: STORABLE_TEXT_PATTERN,
      example: 'ada@example.com',
      description:
        'Trimmed, lower-cased and NFC-normalised; unique among users that are not deleted',
    }),
    NormaliseEmail(),
    ...(options.optional ? [OptionalField()] : []),
    IsString(),
    StorableText(),
    MaxLength(EMAIL_MAX_LENGTH),
    IsEmail(),
  );

export const NameField = (options: { optional?: boolean } = {}): PropertyDecorator =>
  applyDecorators(
    (options.optional ? ApiPropertyOptional : ApiProperty)({
      minLength: 1,
      maxLength: 100,
      pattern: STORABLE_TEXT_PATTERN,
      example: 'Ada Lovelace',
      description: 'Trimmed; must contain a visible character',
    }),
    Trim(),
    ...(options.optional ? [OptionalField()] : []),
    IsString(),
    StorableText(),
    Length(1, 100),
    VisibleText(),
  );

export const PasswordField = (options: { optional?: boolean } = {}): PropertyDecorator =>
  applyDecorators(
    (options.optional ? ApiPropertyOptional : ApiProperty)({
      minLength: 8,
      maxLength: 128,
      format: 'password',
      example: 'correct horse battery staple',
    }),
    ...(options.optional ? [OptionalField()] : []),
    IsString(),
    Length(8, 128),
  );

export const ScopesField = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({
      enum: SCOPES,
      isArray: true,
      description: 'Only admins may change scopes',
    }),
    OptionalField(),
    IsArray(),
    ArrayUnique(),
    IsIn(SCOPES, { each: true }),
  );

/**
 * The caller's password, needed to change their own email or password (a stolen access token
 * alone must not take the account over). Checked by the service, which knows whose account it
 * is: an admin changing another user needs none.
 */
export const CurrentPasswordField = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({
      minLength: 1,
      maxLength: 128,
      format: 'password',
      description:
        'Required to change your own email or password (missing: 422; wrong: 403); not needed by an admin changing another user',
    }),
    OptionalField(),
    IsString(),
    Length(1, 128),
  );

import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsEmail, IsIn, IsString, Length, MaxLength } from 'class-validator';
import { NormaliseEmail, Trim } from '../../common/validation/field-transforms.js';
import { OptionalField } from '../../common/validation/optional-field.js';
import {
  STORABLE_TEXT_PATTERN,
  StorableText,
  VISIBLE_STORABLE_TEXT_PATTERN,
  VisibleText,
} from '../../common/validation/storable-text.js';
import { SCOPES } from '../../auth/scopes.js';

/** Field decorators joining validation, normalisation and OpenAPI metadata, one per user field. */
export const EmailField = (options: { optional?: boolean } = {}): PropertyDecorator =>
  applyDecorators(
    (options.optional ? ApiPropertyOptional : ApiProperty)({
      format: 'email',
      maxLength: 255,
      pattern: STORABLE_TEXT_PATTERN,
      example: 'ada@example.com',
      description: 'Trimmed and lower-cased; unique among users that are not deleted',
    }),
    NormaliseEmail(),
    ...(options.optional ? [OptionalField()] : []),
    IsString(),
    StorableText(),
    MaxLength(255),
    IsEmail(),
  );

export const NameField = (options: { optional?: boolean } = {}): PropertyDecorator =>
  applyDecorators(
    (options.optional ? ApiPropertyOptional : ApiProperty)({
      minLength: 1,
      maxLength: 100,
      pattern: VISIBLE_STORABLE_TEXT_PATTERN,
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

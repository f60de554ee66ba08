import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayUnique,
  IsArray,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  Length,
  MaxLength,
} from 'class-validator';
import { NormaliseEmail, Trim } from '../../common/validation/field-transforms.js';
import { STORABLE_TEXT_PATTERN, StorableText } from '../../common/validation/storable-text.js';
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
    ...(options.optional ? [IsOptional()] : []),
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
      pattern: STORABLE_TEXT_PATTERN,
      example: 'Ada Lovelace',
    }),
    Trim(),
    ...(options.optional ? [IsOptional()] : []),
    IsString(),
    StorableText(),
    Length(1, 100),
  );

export const PasswordField = (options: { optional?: boolean } = {}): PropertyDecorator =>
  applyDecorators(
    (options.optional ? ApiPropertyOptional : ApiProperty)({
      minLength: 8,
      maxLength: 128,
      format: 'password',
      example: 'correct horse battery staple',
    }),
    ...(options.optional ? [IsOptional()] : []),
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
    IsOptional(),
    IsArray(),
    ArrayUnique(),
    IsIn(SCOPES, { each: true }),
  );

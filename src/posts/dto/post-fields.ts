import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { OptionalField } from '../../common/validation/optional-field.js';
import {
  STORABLE_TEXT_PATTERN,
  StorableText,
  VisibleText,
} from '../../common/validation/storable-text.js';

/** Field decorators joining validation and OpenAPI metadata, one per post field. */
export const TitleField = (options: { optional?: boolean } = {}): PropertyDecorator =>
  applyDecorators(
    (options.optional ? ApiPropertyOptional : ApiProperty)({
      minLength: 1,
      maxLength: 200,
      pattern: STORABLE_TEXT_PATTERN,
      example: 'Notes on the Analytical Engine',
      description: 'Must contain a visible character',
    }),
    ...(options.optional ? [OptionalField()] : []),
    IsString(),
    StorableText(),
    Length(1, 200),
    VisibleText(),
  );

export const BodyField = (options: { optional?: boolean } = {}): PropertyDecorator =>
  applyDecorators(
    (options.optional ? ApiPropertyOptional : ApiProperty)({
      minLength: 1,
      maxLength: 10_000,
      pattern: STORABLE_TEXT_PATTERN,
      example: 'The engine might compose music.',
    }),
    ...(options.optional ? [OptionalField()] : []),
    IsString(),
    StorableText(),
    Length(1, 10_000),
  );

import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { NO_NUL_PATTERN, NoNulCharacter } from '../../common/validation/no-nul-character.js';

/** Field decorators joining validation and OpenAPI metadata, one per post field. */
export const TitleField = (options: { optional?: boolean } = {}): PropertyDecorator =>
  applyDecorators(
    (options.optional ? ApiPropertyOptional : ApiProperty)({
      minLength: 1,
      maxLength: 200,
      pattern: NO_NUL_PATTERN,
      example: 'Notes on the Analytical Engine',
    }),
    ...(options.optional ? [IsOptional()] : []),
    IsString(),
    NoNulCharacter(),
    Length(1, 200),
  );

export const BodyField = (options: { optional?: boolean } = {}): PropertyDecorator =>
  applyDecorators(
    (options.optional ? ApiPropertyOptional : ApiProperty)({
      minLength: 1,
      maxLength: 10_000,
      pattern: NO_NUL_PATTERN,
      example: 'The engine might compose music.',
    }),
    ...(options.optional ? [IsOptional()] : []),
    IsString(),
    NoNulCharacter(),
    Length(1, 10_000),
  );

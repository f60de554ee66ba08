import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { DecimalInteger, GivenOnce } from '../validation/query-values.js';

export const MAX_PER_PAGE = 100;
export const DEFAULT_PER_PAGE = 20;
/** Offset pages are for shallow pages; deeper ones use the cursor (keyset) mode. */
export const MAX_PAGE = 10_000;

/**
 * The rules of one query parameter, checked in the order given (validation stops at the first
 * that fails): stacked decorators would apply bottom-up, which is easy to misread.
 */
const QueryRules = (...rules: PropertyDecorator[]): PropertyDecorator => applyDecorators(...rules);

/** A positive whole number from 1 to `max`, in plain decimal digits, given once. */
const PageNumber = (max: number): PropertyDecorator =>
  QueryRules(IsOptional(), DecimalInteger(), GivenOnce(), IsInt(), Min(1), Max(max));

export class PageQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PER_PAGE,
    default: DEFAULT_PER_PAGE,
    description: 'Items per page: decimal digits only, given once',
  })
  @PageNumber(MAX_PER_PAGE)
  per_page: number = DEFAULT_PER_PAGE;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE,
    description:
      '1-based page number (offset mode, the default): decimal digits only, given once. Not together with cursor.',
  })
  @PageNumber(MAX_PAGE)
  page?: number;

  @ApiPropertyOptional({
    maxLength: 512,
    description:
      'The opaque meta.next_cursor of the previous page (keyset mode), given once. Not together with page. ' +
      'A forged or garbled cursor is 422.',
  })
  @QueryRules(IsOptional(), GivenOnce(), IsString(), MaxLength(512))
  cursor?: string;
}

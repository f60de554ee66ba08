import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export const MAX_PER_PAGE = 100;
export const DEFAULT_PER_PAGE = 20;
/** Offset pages are for shallow pages; deeper ones use the cursor (keyset) mode. */
export const MAX_PAGE = 10_000;

export class PageQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PER_PAGE,
    default: DEFAULT_PER_PAGE,
    description: 'Items per page',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PER_PAGE)
  per_page: number = DEFAULT_PER_PAGE;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE,
    description: '1-based page number (offset mode, the default). Not together with cursor.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  page?: number;

  @ApiPropertyOptional({
    maxLength: 512,
    description:
      'The opaque meta.next_cursor of the previous page (keyset mode). Not together with page. ' +
      'A forged or garbled cursor is 422.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

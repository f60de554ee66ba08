import { ApiProperty } from '@nestjs/swagger';

export class PostOutput {
  @ApiProperty({ format: 'uuid', example: '0d9a3c1e-7b2f-4e8a-9c5d-6f1e2a3b4c5d' })
  id!: string;

  @ApiProperty({
    format: 'uuid',
    description: "The author's public id",
    example: '5b7c0e44-4d4b-4a2e-9d8e-1f0c2a3b4c5d',
  })
  author_id!: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Notes on the Analytical Engine' })
  title!: string;

  @ApiProperty({ minLength: 1, maxLength: 10_000, example: 'The engine might compose music.' })
  body!: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-23T10:00:00.000Z' })
  created_at!: Date;

  @ApiProperty({ format: 'date-time', example: '2026-11-23T10:00:00.000Z' })
  updated_at!: Date;
}

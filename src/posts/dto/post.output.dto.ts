import { ApiProperty } from '@nestjs/swagger';

export class PostOutput {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid', description: "The author's public id" })
  author_id!: string;

  @ApiProperty({ minLength: 1, maxLength: 200 })
  title!: string;

  @ApiProperty({ minLength: 1, maxLength: 10_000 })
  body!: string;

  @ApiProperty({ format: 'date-time' })
  created_at!: Date;

  @ApiProperty({ format: 'date-time' })
  updated_at!: Date;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SCOPES } from '../../auth/scopes.js';

/** A user as the API shows it; `email` and `scopes` only to the user themself and admins. */
export class UserOutput {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  name!: string;

  @ApiPropertyOptional({ format: 'email', description: 'Only for the user themself and admins' })
  email?: string;

  @ApiPropertyOptional({
    enum: SCOPES,
    isArray: true,
    description: 'Only for the user themself and admins',
  })
  scopes?: string[];

  @ApiProperty({ format: 'date-time' })
  created_at!: Date;

  @ApiProperty({ format: 'date-time' })
  updated_at!: Date;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SCOPES } from '../../access/scopes.js';

/** A user as the API shows it; `email` and `scopes` only to the user themself and admins. */
export class UserOutput {
  @ApiProperty({ format: 'uuid', example: '5b7c0e44-4d4b-4a2e-9d8e-1f0c2a3b4c5d' })
  id!: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  name!: string;

  // No `format: email`: that is RFC 5321's ASCII form, and addresses with a non-ASCII local part
  // (RFC 6531, `café@example.com`) are accepted and shown as stored (NFC).
  @ApiPropertyOptional({
    maxLength: 254,
    example: 'ada@example.com',
    description:
      'Only for the user themself and admins; lower-case and NFC, may hold non-ASCII characters',
  })
  email?: string;

  @ApiPropertyOptional({
    description:
      'Whether the user has proved control of email (verification or reset link); only for the user themself and admins',
  })
  email_verified?: boolean;

  @ApiPropertyOptional({
    enum: SCOPES,
    isArray: true,
    example: ['users:read', 'users:write', 'posts:read', 'posts:write'],
    description: 'Only for the user themself and admins',
  })
  scopes?: string[];

  @ApiProperty({ format: 'date-time', example: '2026-11-23T10:00:00.000Z' })
  created_at!: Date;

  @ApiProperty({ format: 'date-time', example: '2026-11-23T10:00:00.000Z' })
  updated_at!: Date;
}

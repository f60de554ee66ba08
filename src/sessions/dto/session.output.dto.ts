import { ApiProperty } from '@nestjs/swagger';

/** A live session (a login) of the caller, as GET /auth/sessions lists it. */
export class SessionOutput {
  @ApiProperty({ format: 'uuid', example: '0f8e2a4c-6b1d-4e3f-9a7c-5d2b1e0f3a4b' })
  id!: string;

  @ApiProperty({
    format: 'date-time',
    description: 'The login',
    example: '2026-11-23T10:00:00.000Z',
  })
  created_at!: Date;

  @ApiProperty({
    format: 'date-time',
    description: 'The latest login or refresh of this session',
    example: '2026-11-23T10:15:00.000Z',
  })
  last_used_at!: Date;

  @ApiProperty({
    type: 'string',
    nullable: true,
    maxLength: 512,
    description: 'The User-Agent of the login (printable characters, at most 512)',
    example: 'Mozilla/5.0 (X11; Linux x86_64)',
  })
  user_agent!: string | null;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'The client address of the login (honours TRUST_PROXY)',
    example: '203.0.113.7',
  })
  ip!: string | null;

  @ApiProperty({ description: 'Whether this is the session of the calling access token' })
  current!: boolean;
}

import { ApiProperty } from '@nestjs/swagger';

export class TokenOutput {
  @ApiProperty({
    description: 'JWT (HS256) for the Authorization: Bearer header',
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI1YjdjIn0.c2lnbmF0dXJl',
  })
  access_token!: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type!: 'Bearer';

  @ApiProperty({
    type: 'integer',
    description: 'Seconds until the access token expires',
    example: 900,
  })
  expires_in!: number;

  @ApiProperty({
    description: 'Opaque, single-use; rotated on every refresh',
    example: 'q3Vd8xX2mP7sK1nR5tY9wB4cF6hJ0lZe',
  })
  refresh_token!: string;

  @ApiProperty({
    description: 'Granted scopes, space separated',
    example: 'users:read users:write posts:read posts:write',
  })
  scope!: string;
}

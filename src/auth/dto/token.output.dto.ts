import { ApiProperty } from '@nestjs/swagger';

export class TokenOutput {
  @ApiProperty({ description: 'JWT (HS256) for the Authorization: Bearer header' })
  access_token!: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type!: 'Bearer';

  @ApiProperty({ description: 'Seconds until the access token expires', example: 900 })
  expires_in!: number;

  @ApiProperty({ description: 'Opaque, single-use; rotated on every refresh' })
  refresh_token!: string;

  @ApiProperty({
    description: 'Granted scopes, space separated',
    example: 'users:read users:write posts:read posts:write',
  })
  scope!: string;
}

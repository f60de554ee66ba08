import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

/** Body of POST /auth/refresh and POST /auth/logout. */
export class RefreshTokenInput {
  @ApiProperty({ description: 'The opaque refresh token from /auth/token or /auth/refresh' })
  @IsString()
  @Length(1, 256)
  refresh_token!: string;
}

import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

/** Body of POST /auth/refresh and POST /auth/logout. */
export class RefreshTokenInput {
  @ApiProperty({
    description: 'The opaque refresh token from /auth/token or /auth/refresh',
    minLength: 1,
    maxLength: 4096,
    example: 'q3Vd8xX2mP7sK1nR5tY9wB4cF6hJ0lZe',
  })
  @IsString()
  // Long enough for anything a client may mistake for a refresh token (an access token, say):
  // those get 401 from the lookup, not 422.
  @Length(1, 4096)
  refresh_token!: string;
}

import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, MaxLength } from 'class-validator';
import { NormaliseEmail } from '../../common/validation/field-transforms.js';
import { NO_NUL_PATTERN, NoNulCharacter } from '../../common/validation/no-nul-character.js';

export class TokenRequestInput {
  @ApiProperty({
    maxLength: 255,
    pattern: NO_NUL_PATTERN,
    example: 'ada@example.com',
    description: 'Trimmed and lower-cased before lookup',
  })
  @NormaliseEmail()
  @IsString()
  @NoNulCharacter()
  @MaxLength(255)
  email!: string;

  @ApiProperty({
    format: 'password',
    minLength: 1,
    maxLength: 128,
    example: 'correct horse battery staple',
  })
  @IsString()
  @Length(1, 128)
  password!: string;
}

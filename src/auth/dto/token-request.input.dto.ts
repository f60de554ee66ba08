import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, MaxLength } from 'class-validator';
import { NormaliseEmail } from '../../common/validation/field-transforms.js';
import { STORABLE_TEXT_PATTERN, StorableText } from '../../common/validation/storable-text.js';

export class TokenRequestInput {
  @ApiProperty({
    maxLength: 255,
    pattern: STORABLE_TEXT_PATTERN,
    example: 'ada@example.com',
    description: 'Trimmed and lower-cased before lookup',
  })
  @NormaliseEmail()
  @IsString()
  @StorableText()
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

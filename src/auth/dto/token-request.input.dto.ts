import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, MaxLength } from 'class-validator';
import { EMAIL_MAX_LENGTH, NormaliseEmail } from '../../common/validation/field-transforms.js';
import { STORABLE_TEXT_PATTERN, StorableText } from '../../common/validation/storable-text.js';

export class TokenRequestInput {
  @ApiProperty({
    maxLength: EMAIL_MAX_LENGTH,
    pattern: STORABLE_TEXT_PATTERN,
    example: 'ada@example.com',
    description: 'Trimmed, lower-cased and NFC-normalised before lookup',
  })
  @NormaliseEmail()
  @IsString()
  @StorableText()
  @MaxLength(EMAIL_MAX_LENGTH)
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

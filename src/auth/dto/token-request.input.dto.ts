import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, MaxLength } from 'class-validator';
import { EMAIL_MAX_LENGTH, NormaliseEmail } from '../../common/validation/field-transforms.js';
import { STORABLE_TEXT_PATTERN, StorableText } from '../../common/validation/storable-text.js';
import { DEMO_LOGIN } from '../../database/demo-data.js';

export class TokenRequestInput {
  @ApiProperty({
    maxLength: EMAIL_MAX_LENGTH,
    pattern: STORABLE_TEXT_PATTERN,
    // The demo user of `npm run seed`: "Try it out" in Swagger UI logs in as is.
    example: DEMO_LOGIN.email,
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
    example: DEMO_LOGIN.password,
  })
  @IsString()
  @Length(1, 128)
  password!: string;
}

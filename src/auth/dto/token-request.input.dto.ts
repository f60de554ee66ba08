import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, MaxLength } from 'class-validator';
import { NormaliseEmail } from '../../common/validation/field-transforms.js';
import { STORABLE_TEXT_PATTERN, StorableText } from '../../common/validation/storable-text.js';
import { DEMO_LOGIN } from '../../database/demo-data.js';

export class TokenRequestInput {
  @ApiProperty({
    maxLength: 255,
    pattern: STORABLE_TEXT_PATTERN,
    // The demo user of `npm run seed`: "Try it out" in Swagger UI logs in as is.
    example: DEMO_LOGIN.email,
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
    example: DEMO_LOGIN.password,
  })
  @IsString()
  @Length(1, 128)
  password!: string;
}

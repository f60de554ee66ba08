import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, MaxLength } from 'class-validator';
import { NormaliseEmail } from '../../common/validation/field-transforms.js';

export class TokenRequestInput {
  @ApiProperty({ example: 'ada@example.com' })
  @NormaliseEmail()
  @IsString()
  @MaxLength(255)
  email!: string;

  @ApiProperty({ format: 'password', example: 'correct horse battery staple' })
  @IsString()
  @Length(1, 128)
  password!: string;
}

import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

/** The `token=` parameter of a mailed link, as the client read it. */
export const AccountTokenField = (): PropertyDecorator =>
  applyDecorators(
    ApiProperty({
      minLength: 1,
      maxLength: 512,
      example: 'q3Xr0b5f2mJ9uYl8Zk1VwQeN4tHcGsAaPiOdLxRy7nE',
      description:
        'The token= query parameter of the link in the email. Unknown, expired or used: 400 BAD_REQUEST',
    }),
    IsString(),
    Length(1, 512),
  );

import { ApiProperty } from '@nestjs/swagger';

/** The 202 of the account mail routes: the same body whatever happens next. */
export class AcceptedOutput {
  @ApiProperty({
    example: 'If an account has this address, an email with a link is on its way',
  })
  message!: string;
}

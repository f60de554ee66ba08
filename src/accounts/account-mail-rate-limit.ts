import { HttpException, HttpStatus } from '@nestjs/common';

/** Reset and verification mails per address are counted over this window. */
export const ACCOUNT_MAIL_WINDOW_SECONDS = 3600;

/** 429 for an address that has had ACCOUNT_MAIL_RATE_LIMIT_MAX account mails this hour. */
export class AccountMailRateLimited extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      'Too many account emails requested for this address; try again later',
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthenticatedUser } from '../access/authenticated-user.js';
import { Authorize } from '../access/authorize.decorator.js';
import { CurrentUser } from '../access/current-user.decorator.js';
import { Public } from '../access/public.decorator.js';
import { ApiDataResponse, ApiErrorResponse } from '../common/http/api-responses.decorator.js';
import { type DataEnvelope, envelope } from '../common/http/envelope.js';
import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator.js';
import { AccountMailRateLimited } from './account-mail-rate-limit.js';
import { AcceptedOutput } from './dto/accepted.output.dto.js';
import { PasswordResetConfirmInput } from './dto/password-reset-confirm.input.dto.js';
import { PasswordResetRequestInput } from './dto/password-reset-request.input.dto.js';
import { VerifyEmailInput } from './dto/verify-email.input.dto.js';
import { EmailVerificationService } from './email-verification.service.js';
import { PasswordResetService } from './password-reset.service.js';

const ACCEPTED: AcceptedOutput = {
  message: 'If an account has this address, an email with a link is on its way',
};

const BAD_TOKEN =
  'BAD_REQUEST: the token is unknown, expired or already used (or its account no longer has the address it was sent to)';

/** Password reset and email verification, under /auth with the other credential routes. */
@ApiTags('auth')
@Controller('auth')
export class AccountsController {
  constructor(
    private readonly resets: PasswordResetService,
    private readonly verification: EmailVerificationService,
  ) {}

  @Post('password-reset')
  @ApiOperation({
    summary: 'Ask for a password reset link',
    description:
      'Public. 202 with the same body, after the same work, whether or not an account has the address; ' +
      'if one has, it receives a single-use link (PUBLIC_URL/reset-password?token=...) valid PASSWORD_RESET_TTL_SECONDS. ' +
      'Limited per client IP (AUTH_RATE_LIMIT_MAX) and per address (ACCOUNT_MAIL_RATE_LIMIT_MAX per hour).',
  })
  @Public()
  @AuthRateLimit()
  @HttpCode(202)
  @ApiDataResponse(202, AcceptedOutput, 'Accepted; a link is mailed if an account has the address')
  async requestPasswordReset(
    @Body() input: PasswordResetRequestInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DataEnvelope<AcceptedOutput>> {
    await withRetryAfter(reply, () => this.resets.request(input.email));
    return envelope(ACCEPTED);
  }

  @Post('password-reset/confirm')
  @ApiOperation({
    summary: 'Set a new password with a reset link',
    description:
      'Public: the token is the credential. Sets the password, revokes every session of the account and marks its email verified.',
  })
  @Public()
  @AuthRateLimit()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Password set; every session revoked; email verified' })
  @ApiErrorResponse(400, BAD_TOKEN)
  async confirmPasswordReset(@Body() input: PasswordResetConfirmInput): Promise<void> {
    await this.resets.confirm(input.token, input.password);
  }

  @Post('verify-email')
  @ApiOperation({
    summary: 'Verify an email address',
    description:
      'Public: the token (from the link PUBLIC_URL/verify-email?token=...) is the credential. email_verified becomes true.',
  })
  @Public()
  @AuthRateLimit()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The address is verified' })
  @ApiErrorResponse(400, BAD_TOKEN)
  async verifyEmail(@Body() input: VerifyEmailInput): Promise<void> {
    await this.verification.verify(input.token);
  }

  @Post('verify-email/resend')
  @ApiOperation({
    summary: 'Mail a new verification link',
    description:
      "To the caller's current address, unless it is verified already (then nothing is sent). " +
      'Limited per address (ACCOUNT_MAIL_RATE_LIMIT_MAX per hour).',
  })
  @Authorize({ scopes: [] })
  @HttpCode(202)
  @ApiDataResponse(202, AcceptedOutput, 'Accepted; a link is mailed unless the address is verified')
  async resendVerification(
    @CurrentUser() caller: AuthenticatedUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DataEnvelope<AcceptedOutput>> {
    await withRetryAfter(reply, () => this.verification.resend(caller));
    return envelope(ACCEPTED);
  }
}

/** The per-address limit's 429 carries Retry-After, as the throttler's does. */
async function withRetryAfter(reply: FastifyReply, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (error instanceof AccountMailRateLimited) {
      void reply.header('Retry-After', error.retryAfterSeconds);
    }
    throw error;
  }
}

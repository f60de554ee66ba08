import { Controller, Get, HttpException, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../access/public.decorator.js';
import { ErrorEnvelopeDto } from '../common/errors/error-envelope.dto.js';
import { ApiDataResponse } from '../common/http/api-responses.decorator.js';
import { LivenessOutput, ReadinessOutput } from './dto/health.output.dto.js';
import { ReadinessService } from './readiness.service.js';
import { type DataEnvelope, envelope } from '../common/http/envelope.js';
import { LIVENESS, LIVENESS_PATH } from './liveness.js';

@ApiTags('health')
@Public()
@SkipThrottle()
@Controller()
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  /**
   * Liveness: the process can serve. Checks no dependency, so an outage never restarts pods.
   * GET is answered by app.factory.ts's request hook before Nest's pipeline; this route documents
   * it and answers HEAD.
   */
  @Get(LIVENESS_PATH)
  @ApiOperation({
    summary: 'Liveness',
    description: 'The process can serve; checks no dependency. Never rate limited.',
  })
  @ApiDataResponse(200, LivenessOutput, 'The process can serve')
  health(): DataEnvelope<LivenessOutput> {
    return LIVENESS;
  }

  /** Readiness: not shutting down, the database answers, no migration is pending. */
  @Get('ready')
  @ApiOperation({
    summary: 'Readiness',
    description:
      'The database answers and migrations are applied; 503 otherwise, and from the moment shutdown begins. Never rate limited.',
  })
  @ApiDataResponse(
    200,
    ReadinessOutput,
    'Ready to take traffic; the body details each check, Redis included',
  )
  @ApiServiceUnavailableResponse({
    type: ErrorEnvelopeDto,
    description:
      'SERVICE_UNAVAILABLE: not ready (shutting down, database unreachable, or migrations pending); the message names the failing checks',
  })
  async ready(): Promise<DataEnvelope<unknown>> {
    try {
      return envelope(await this.readiness.check());
    } catch (error) {
      if (!(error instanceof HttpException)) throw error;
      // terminus answers 503 with its report; name the failing checks in the error envelope.
      const failing = Object.keys((error.getResponse() as { error?: object }).error ?? {});
      throw new ServiceUnavailableException(`Not ready: ${failing.join(', ') || 'unknown'}`);
    }
  }
}

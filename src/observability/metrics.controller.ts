import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import { Public } from '../access/public.decorator.js';
import { METRICS_REGISTRY } from './metrics-registry.js';

@ApiTags('health')
@Public()
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  /** Prometheus text format; answered directly, outside the JSON envelope. */
  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics',
    description: 'Prometheus text format. Never rate limited.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus metrics', schema: { type: 'string' } })
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    await reply
      .header('content-type', this.registry.contentType)
      .send(await this.registry.metrics());
  }
}

import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';

/** GET /health: the process can serve. */
export class LivenessOutput {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';
}

/** One check of GET /ready, by name, with what terminus reports of it. */
const CHECKS: ApiPropertyOptions = {
  type: 'object',
  description:
    'By check name (shutdown, database, migrations, redis): `status` up or down, and details ' +
    'such as `connected` for Redis',
  additionalProperties: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['up', 'down'] } },
    additionalProperties: true,
  },
  example: {
    shutdown: { status: 'up' },
    database: { status: 'up' },
    migrations: { status: 'up' },
    redis: { status: 'up', configured: false },
  },
};

/** GET /ready: every check passed (Redis is reported, and never fails readiness). */
export class ReadinessOutput {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';

  @ApiPropertyOptional({ ...CHECKS, description: 'The checks that are up' })
  info?: Record<string, unknown>;

  @ApiPropertyOptional({ ...CHECKS, description: 'The checks that are down (none when ready)' })
  error?: Record<string, unknown>;

  @ApiProperty(CHECKS)
  details!: Record<string, unknown>;
}

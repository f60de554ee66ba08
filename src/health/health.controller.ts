import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Public } from '../auth/decorators/public.decorator.js';
import { ErrorEnvelopeDto } from '../common/errors/error-envelope.dto.js';
import { MigrationRunner } from '../database/migration-runner.service.js';
import { ShutdownState } from './shutdown-state.js';

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly migrations: MigrationRunner,
    private readonly shutdown: ShutdownState,
  ) {}

  /** Liveness: the process can serve. Checks no dependency, so an outage never restarts pods. */
  @Get('health')
  @ApiOkResponse({ description: 'The process can serve' })
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: the database answers, no migration is pending, shutdown has not begun. */
  @Get('ready')
  @ApiOkResponse({ description: 'Ready to take traffic' })
  @ApiServiceUnavailableResponse({ type: ErrorEnvelopeDto })
  async ready(): Promise<{ status: 'ok' }> {
    if (this.shutdown.draining) throw new ServiceUnavailableException('Shutting down');
    try {
      await this.dataSource.query('SELECT 1');
      if (await this.migrations.hasPending()) {
        throw new ServiceUnavailableException('Migrations are pending');
      }
    } catch (error) {
      if (error instanceof ServiceUnavailableException) throw error;
      throw new ServiceUnavailableException('The database is unavailable');
    }
    return { status: 'ok' };
  }
}

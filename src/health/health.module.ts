import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RedisModule } from '../redis/redis.module.js';
import { DatabaseProbe } from './database-probe.js';
import { HealthController } from './health.controller.js';
import { ReadinessService } from './readiness.service.js';
import { ShutdownState } from './shutdown-state.js';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false }), RedisModule],
  controllers: [HealthController],
  providers: [ShutdownState, ReadinessService, DatabaseProbe],
  exports: [ShutdownState],
})
export class HealthModule {}

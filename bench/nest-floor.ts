/**
 * The floor of the framework: the smallest Nest application on the Fastify adapter, with one
 * controller answering GET /health as the service does ({"data":{"status":"ok"}}), and nothing
 * else (no guards, interceptors, pipes, filters, hooks or logger). run.ts measures it beside the
 * service and the baseline, to show how much of the gap to a bare Fastify server is Nest itself
 * rather than anything the service adds.
 *
 * Environment: PORT. Started by run.ts; not meant to be deployed.
 */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

@Controller()
class HealthController {
  @Get('health')
  health(): { data: { status: string } } {
    return { data: { status: 'ok' } };
  }
}

@Module({ controllers: [HealthController] })
class FloorModule {}

const app = await NestFactory.create<NestFastifyApplication>(FloorModule, new FastifyAdapter(), {
  logger: false,
});
await app.listen({ port: Number(process.env.PORT ?? 4001), host: '127.0.0.1' });

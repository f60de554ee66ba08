import { NotFoundException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule, AppModuleOptions } from './app.module.js';
import { frameworkErrors } from './common/errors/framework-errors.js';
import { corsOptions, registerHttpHardening, serverLimits } from './common/http/http-hardening.js';
import { requestIdFor } from './common/http/request-id.js';
import { setupSwagger } from './common/http/swagger.js';
import { HttpMetrics } from './observability/http-metrics.js';
import type { RoutedRequest } from './observability/logger.module.js';

/**
 * Builds the application on Fastify, ready for init() or listen(). main.ts and the end-to-end
 * tests share it, so the tests run exactly what production runs.
 */
export async function createApp(options: AppModuleOptions): Promise<NestFastifyApplication> {
  const { config } = options;
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    // Fastify also takes a hop count at runtime; its types only list the other forms.
    trustProxy: config.trustProxy as boolean | string,
    genReqId: requestIdFor,
    requestIdHeader: false,
    routerOptions: { ignoreTrailingSlash: true },
    // A path the router refuses (bad encoding, over-long id) is 404 in the envelope, as any.
    frameworkErrors,
    // Header size and timeouts against slow clients; the envelope for what Node's parser refuses.
    ...serverLimits(),
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(options),
    adapter,
    // bodyParser off: Nest would add a form (urlencoded) parser; Fastify's own JSON parser stays.
    { abortOnError: false, bufferLogs: true, bodyParser: false },
  );
  app.useLogger(app.get(Logger));
  app.flushLogs();

  const fastify = app.getHttpAdapter().getInstance();
  // JSON only: any other body type is refused with 415 (Fastify's default also takes text/plain).
  fastify.removeContentTypeParser(['text/plain']);
  // Security headers and Cache-Control, before any route (Swagger UI's included).
  await registerHttpHardening(app);
  const httpMetrics = app.get(HttpMetrics);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('X-Request-Id', request.id);
    // The route template (never the raw URL) for the request log line.
    (request.raw as RoutedRequest).routeTemplate = request.routeOptions.url;
    done();
  });
  // An unknown route is 404 before its body is read (Fastify parses it even there): never a 400,
  // 413 or 415 for a body that no route takes. After the hook above, for the X-Request-Id.
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (request.is404) done(new NotFoundException(`Cannot ${request.method} ${request.url}`));
    else done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    httpMetrics.observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  // No enableShutdownHooks(): main.ts handles SIGTERM itself, to drain before closing.
  if (config.corsOrigins.length > 0) app.enableCors(corsOptions(config));
  if (config.docsEnabled) setupSwagger(app);
  return app;
}

import { BadRequestException, NotFoundException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module.js';
import { frameworkErrors } from './common/errors/framework-errors.js';
import { canonicalisePathId } from './common/ids/canonical-uuid.js';
import {
  corsOptions,
  hasDuplicateHost,
  isAuthPath,
  responseHeaderSets,
  serverLimits,
} from './common/http/http-hardening.js';
import { registerJsonBodyParser } from './common/http/json-body-parser.js';
import { requestIdFor } from './common/http/request-id.js';
import { serialiseResponsesByDocument } from './openapi/response-serializers.js';
import {
  buildOpenApiDocument,
  DOCS_JSON_PATH,
  DOCS_PATH,
  setupSwagger,
} from './openapi/swagger.js';
import type { AppConfig } from './config/app-config.js';
import type { DatabaseTarget } from './database/database-target.js';
import { HttpMetrics } from './observability/http-metrics.js';
import { withFrameworkChatterAtDebug } from './observability/framework-chatter.js';
import { createRootLogger } from './observability/root-logger.js';
import { registerRequestLogging } from './observability/request-logging.js';
import { outsideControllersRateLimit } from './rate-limit/outside-controllers.rate-limit.js';
import { LIVENESS, LIVENESS_PATH } from './health/liveness.js';

export interface CreateAppOptions {
  config: AppConfig;
  database: DatabaseTarget;
  /** Where log lines go; standard output unless a test captures them. */
  logDestination?: DestinationStream;
}

/**
 * Builds the application on Fastify, ready for init() or listen(). main.ts and the end-to-end
 * tests share it, so the tests run exactly what production runs.
 */
export async function createApp(options: CreateAppOptions): Promise<NestFastifyApplication> {
  const { config, database } = options;
  const logger = createRootLogger(config, options.logDestination);
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
    AppModule.forRoot({ config, database, logger }),
    adapter,
    // bodyParser off: Nest would add a form (urlencoded) parser; Fastify's own JSON parser stays.
    { abortOnError: false, bufferLogs: true, bodyParser: false },
  );
  app.useLogger(withFrameworkChatterAtDebug(app.get(Logger)));
  app.flushLogs();

  const fastify = app.getHttpAdapter().getInstance();
  const document = buildOpenApiDocument(app, { docs: config.docsEnabled });
  serialiseResponsesByDocument(fastify, document);
  // JSON only: any other body type is refused with 415 (Fastify's default also takes text/plain).
  fastify.removeContentTypeParser(['text/plain']);
  // UTF-8 only (415) and a nesting limit (400), both before the body is parsed.
  registerJsonBodyParser(fastify);
  // The request line and the HTTP metrics, when each response has finished.
  registerRequestLogging(fastify, logger, app.get(HttpMetrics));
  const headerSets = responseHeaderSets();
  const unguardedLimit = outsideControllersRateLimit(app, config, [
    '/',
    `/${DOCS_PATH}`,
    `/${DOCS_JSON_PATH}`,
  ]);
  // One hook before any route (Swagger UI's included) for what every response needs: one rather
  // than several, as each hook costs its share on every request.
  fastify.addHook('onRequest', (request, reply, done) => {
    // Security headers and Cache-Control (common/http/http-hardening.ts), and the request id.
    void reply.headers(isAuthPath(request.url) ? headerSets.auth : headerSets.default);
    void reply.header('X-Request-Id', request.id);
    // Ids in paths are UUIDs in any case (API.md): one canonical form from here on, so that the
    // guards, cache keys, SQL and ETags of a request never see two spellings of one id.
    canonicalisePathId(request.params);
    // Two Host headers leave the target ambiguous: RFC 9112, section 3.2, requires a 400.
    if (hasDuplicateHost(request.raw.rawHeaders)) {
      done(new BadRequestException('Duplicate Host header'));
      return;
    }
    // Liveness in the hook, past the headers and the Host check: it checks nothing, and Nest's
    // pipeline (guards that all let a probe through) would cost half of it (docs/benchmarks.md).
    // The request line and metrics are still written when the response finishes.
    if (request.method === 'GET' && request.routeOptions.url === `/${LIVENESS_PATH}`) {
      void reply.send(LIVENESS);
      return;
    }
    // An unknown route is 404 before its body is read (Fastify parses it even there): never a
    // 400, 413 or 415 for a body that no route takes.
    const notFound = request.is404
      ? new NotFoundException(`Cannot ${request.method} ${request.url}`)
      : undefined;
    // Requests no controller (so no rate-limit guard) sees are counted here, first.
    if (!unguardedLimit.appliesTo(request)) return done(notFound);
    unguardedLimit.count(request, reply).then(
      (refusal) => done(refusal ?? notFound),
      (error: Error) => done(error),
    );
  });

  // No enableShutdownHooks(): main.ts handles SIGTERM itself, to drain before closing.
  if (config.corsOrigins.length > 0) app.enableCors(corsOptions(config));
  if (config.docsEnabled) setupSwagger(app, document);
  return app;
}

import type { INestApplication } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import {
  completeDocument,
  operationIdFor,
  routeFactsOf,
  type RouteFacts,
} from './openapi-document.js';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

export interface OpenApiDocumentOptions {
  /** Whether the service serves /docs and /docs-json (DOCS_ENABLED): they are in it only then. */
  docs: boolean;
}

/**
 * The OpenAPI 3 document of the application: what the decorators say, completed with what every
 * route does (openapi-document.ts). /docs-json serves it, `npm run openapi:lint` lints it, and the
 * end-to-end tests check every response against it.
 */
export function buildOpenApiDocument(
  app: INestApplication,
  options: OpenApiDocumentOptions,
): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Users & Posts API')
    .setDescription(
      'Users and their posts. Sign up with POST /users, get a token from POST /auth/token, then ' +
        '"Authorize" with it.\n\n' +
        'Every response carries `X-Request-Id`. Every error is `{ "error": { "code", "message", ' +
        '"details"?, "request_id" } }`, with one `code` per status. Lists are newest first and ' +
        'answer `{ "data": [...], "meta": {...} }`. Rate-limited routes send `X-RateLimit-*`.',
    )
    .setVersion('1.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('/', 'This instance')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'An access token from POST /auth/token or POST /auth/refresh',
    })
    .addTag('auth', 'Tokens: log in, refresh, log out, who am I')
    .addTag('users', 'Sign-up and user accounts')
    .addTag('posts', 'Posts, and the posts of one user')
    .addTag('health', 'Probes and metrics: public, never rate limited')
    .build();
  const generated = SwaggerModule.createDocument(app, config, {
    operationIdFactory: operationIdFor,
  });
  const facts = routeFactsOf(app);
  if (options.docs) addDocsPaths(generated, facts);
  return completeDocument(generated, facts);
}

/** Serves Swagger UI at /docs and the OpenAPI 3 document at /docs-json (JSON only). */
export function setupSwagger(app: NestFastifyApplication): void {
  const document = buildOpenApiDocument(app, { docs: true });
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
  });
}

/**
 * /docs and /docs-json are served by SwaggerModule as plain Fastify routes, outside the
 * controllers (so outside the guards: public, read no database), described here. They are rate
 * limited like every route but the probes (rate-limit/outside-controllers.rate-limit.ts).
 */
function addDocsPaths(document: OpenAPIObject, facts: Map<string, RouteFacts>): void {
  const unguarded: RouteFacts = {
    throttled: true,
    authLimited: false,
    readsDatabase: false,
    responseHeaders: [],
  };
  facts.set('docs_ui', unguarded);
  facts.set('docs_json', unguarded);
  document.tags = [...(document.tags ?? []), { name: 'docs', description: 'This documentation' }];
  document.paths[`/${DOCS_PATH}`] = {
    get: {
      operationId: 'docs_ui',
      summary: 'Swagger UI',
      description: 'Served when DOCS_ENABLED is true (the default).',
      tags: ['docs'],
      responses: {
        '200': {
          description: 'The Swagger UI page for this document',
          content: { 'text/html': { schema: { type: 'string' } } },
        },
      },
    },
  };
  document.paths[`/${DOCS_JSON_PATH}`] = {
    get: {
      operationId: 'docs_json',
      summary: 'This OpenAPI document',
      description: 'Served when DOCS_ENABLED is true (the default).',
      tags: ['docs'],
      responses: {
        '200': {
          description: 'The OpenAPI 3.0 document',
          content: { 'application/json': { schema: { type: 'object' } } },
        },
      },
    },
  };
}

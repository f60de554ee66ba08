import type { INestApplication } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { completeDocument } from './openapi-document.js';
import {
  DEFAULT_ROUTE_FACTS,
  operationIdFor,
  routeFactsOf,
  type RouteFacts,
} from './route-facts.js';

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
      'Users and their posts. Sign up with POST /users (or run `npm run seed` and use the demo ' +
        'login that POST /auth/token shows), get a token from POST /auth/token, then ' +
        '"Authorize" with its `access_token`; the authorization survives a reload of this page.\n\n' +
        'Every response carries `X-Request-Id`. Every error is `{ "error": { "code", "message", ' +
        '"details"?, "request_id" } }`, with one `code` per status. Lists are newest first and ' +
        'answer `{ "data": [...], "meta": {...} }`.\n\n' +
        'Rate limits: every route but the probes (/health, /ready, /metrics) is rate limited per ' +
        'client IP. Every answer given once the limiter has counted the request, whatever its ' +
        'status, carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` ' +
        '(POST /auth/token also the `-auth` ones of its stricter budget); they are listed on the ' +
        'success (or redirect) and 429 responses only. Over the limit: 429 with `Retry-After`.',
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

export const DOCS_TITLE = 'Users & Posts API: Swagger UI';

/**
 * Serves Swagger UI at /docs and the OpenAPI 3 document at /docs-json (JSON only), and sends
 * GET / to Swagger UI. Without docs, / is an unknown route like any other (404 NOT_FOUND).
 * `document` is buildOpenApiDocument's with `docs: true`.
 */
export function setupSwagger(app: NestFastifyApplication, document: OpenAPIObject): void {
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
    customSiteTitle: DOCS_TITLE,
    // The token pasted into "Authorize" is kept (in the browser's localStorage) across reloads.
    swaggerOptions: { persistAuthorization: true },
  });
  app
    .getHttpAdapter()
    .getInstance()
    .get('/', (_request, reply) => reply.redirect(`/${DOCS_PATH}`, 302));
}

/**
 * /docs and /docs-json are served by SwaggerModule as plain Fastify routes, outside the
 * controllers (so outside the guards: public, read no database), described here. They are rate
 * limited like every route but the probes (rate-limit/outside-controllers.rate-limit.ts).
 */
function addDocsPaths(document: OpenAPIObject, facts: Map<string, RouteFacts>): void {
  const unguarded: RouteFacts = { ...DEFAULT_ROUTE_FACTS, readsDatabase: false };
  facts.set('docs_ui', unguarded);
  facts.set('docs_json', unguarded);
  facts.set('docs_root', unguarded);
  document.tags = [...(document.tags ?? []), { name: 'docs', description: 'This documentation' }];
  document.paths['/'] = {
    get: {
      operationId: 'docs_root',
      summary: 'Redirect to Swagger UI',
      description: 'Served when DOCS_ENABLED is true (the default); otherwise / is 404 NOT_FOUND.',
      tags: ['docs'],
      responses: {
        '302': {
          description: 'To Swagger UI',
          headers: {
            Location: { description: `/${DOCS_PATH}`, schema: { type: 'string' } },
          },
        },
      },
    },
  };
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

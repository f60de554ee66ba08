import Fastify, { type FastifyInstance } from 'fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { serialiseResponsesByDocument } from './response-serializers.js';

const ITEM = {
  type: 'object',
  required: ['id', 'created_at'],
  properties: {
    id: { type: 'string', format: 'uuid', example: '0d9a3c1e-7b2f-4e8a-9c5d-6f1e2a3b4c5d' },
    created_at: { type: 'string', format: 'date-time' },
    note: { type: 'string', nullable: true },
  },
};

/** A document like the service's: a list and a single read, their bodies through $refs. */
function documentWith(itemSchema: object = ITEM): OpenAPIObject {
  const single = {
    content: {
      'application/json': {
        schema: { type: 'object', properties: { data: { $ref: '#/components/schemas/Item' } } },
      },
    },
  };
  return {
    openapi: '3.0.0',
    info: { title: 't', version: '1' },
    components: { schemas: { Item: itemSchema } },
    paths: {
      '/items': {
        get: {
          responses: {
            '200': {
              description: 'a page',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      data: { type: 'array', items: { $ref: '#/components/schemas/Item' } },
                    },
                  },
                },
              },
            },
          },
        },
      },
      '/items/{id}': {
        get: { responses: { '200': { description: 'one', ...single } } },
        put: { responses: { '200': { description: 'replaced', ...single }, '404': single } },
      },
    },
  } as unknown as OpenAPIObject;
}

const createdAt = new Date('2026-11-23T10:00:00.000Z');
const item = { id: 'abc', created_at: createdAt, note: null, secret: 'not in the document' };

async function serverWith(document: OpenAPIObject): Promise<FastifyInstance> {
  const fastify = Fastify();
  serialiseResponsesByDocument(fastify, document);
  fastify.get('/items', () => ({ data: [item, item] }));
  fastify.get('/items/:id', () => ({ data: item }));
  fastify.put('/items/:id', (_request, reply) => reply.code(404).send({ data: item }));
  fastify.get('/undocumented', () => ({ data: item }));
  await fastify.ready();
  return fastify;
}

describe('serialiseResponsesByDocument', () => {
  let fastify: FastifyInstance;
  beforeAll(async () => {
    fastify = await serverWith(documentWith());
  });
  afterAll(() => fastify.close());

  const expected = { id: 'abc', created_at: '2026-11-23T10:00:00.000Z', note: null };

  it('writes a documented body with its schema: only the properties it names, Dates as ISO', async () => {
    const one = await fastify.inject({ method: 'GET', url: '/items/abc' });
    expect(one.json()).toEqual({ data: expected });
    const page = await fastify.inject({ method: 'GET', url: '/items' });
    expect(page.json()).toEqual({ data: [expected, expected] });
  });

  it("measures a HEAD's Content-Length with its GET's serialiser", async () => {
    const get = await fastify.inject({ method: 'GET', url: '/items/abc' });
    const head = await fastify.inject({ method: 'HEAD', url: '/items/abc' });
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(get.body)));
  });

  it('leaves statuses other than 2xx, and routes the document does not describe, to JSON.stringify', async () => {
    const notFound = await fastify.inject({ method: 'PUT', url: '/items/abc' });
    expect(notFound.json()).toEqual({ data: { ...expected, secret: 'not in the document' } });
    const undocumented = await fastify.inject({ method: 'GET', url: '/undocumented' });
    expect(undocumented.json().data.secret).toBe('not in the document');
  });

  it('refuses a schema that refers to itself, rather than loop', () => {
    const recursive = {
      type: 'object',
      properties: { child: { $ref: '#/components/schemas/Item' } },
    };
    expect(() => serialiseResponsesByDocument(Fastify(), documentWith(recursive))).toThrow(
      'cannot inline #/components/schemas/Item (missing or recursive)',
    );
  });
});

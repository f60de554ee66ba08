import type { OpenAPIObject } from '@nestjs/swagger';
import { ContractChecker, ContractViolation, type ObservedResponse } from './support/contract.js';

/**
 * The contract check of test/support/contract.ts on a small document: it must refuse what the
 * document does not promise, or the end-to-end suite's check would prove nothing.
 */
const ID = '5b7c0e44-4d4b-4a2e-9d8e-1f0c2a3b4c5d';
const REQUEST_ID = { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } };
const json = (ref: string) => ({ 'application/json': { schema: { $ref: ref } } });

const document = {
  openapi: '3.0.0',
  info: { title: 'test', version: '1' },
  paths: {
    '/things/{id}': {
      get: {
        responses: {
          '200': {
            description: 'A thing',
            headers: REQUEST_ID,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['data'],
                  properties: { data: { $ref: '#/components/schemas/Thing' } },
                },
              },
            },
          },
          '304': { description: 'Not modified', headers: REQUEST_ID },
          '404': {
            description: 'Not found',
            headers: REQUEST_ID,
            content: json('#/components/schemas/NotFoundError'),
          },
        },
      },
    },
    '/things/mine': {
      get: {
        responses: {
          '204': { description: 'Nothing', headers: REQUEST_ID },
        },
      },
    },
  },
  components: {
    headers: { 'X-Request-Id': { required: true, schema: { type: 'string' } } },
    schemas: {
      Thing: {
        type: 'object',
        required: ['id'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          note: { type: 'string', nullable: true, example: 'a note' },
        },
      },
      NotFoundError: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message', 'request_id'],
            properties: {
              code: { type: 'string', enum: ['NOT_FOUND'] },
              message: { type: 'string' },
              request_id: { type: 'string' },
            },
          },
        },
      },
    },
  },
} as unknown as OpenAPIObject;

const checker = new ContractChecker(document);

function response(
  statusCode: number,
  body: unknown,
  headers: ObservedResponse['headers'] = {},
): ObservedResponse {
  return {
    statusCode,
    body: body === undefined ? '' : JSON.stringify(body),
    headers: {
      'x-request-id': 'r-1',
      ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      ...headers,
    },
  };
}

const notFound = { error: { code: 'NOT_FOUND', message: 'Not found', request_id: 'r-1' } };

describe('contract check', () => {
  it('accepts a documented status whose body matches the schema, nullable fields included', () => {
    expect(checker.violations('GET', `/things/${ID}`, response(200, { data: { id: ID } }))).toEqual(
      [],
    );
    expect(
      checker.violations(
        'GET',
        `/things/${ID}?x=1`,
        response(200, { data: { id: ID, note: null } }),
      ),
    ).toEqual([]);
    expect(checker.violations('GET', `/things/${ID}`, response(404, notFound))).toEqual([]);
    expect(checker.violations('GET', `/things/${ID}`, response(304, undefined))).toEqual([]);
  });

  it('refuses a status the route does not document, and assert() throws', () => {
    const internal = { error: { code: 'INTERNAL_ERROR', message: 'x', request_id: 'r-1' } };
    expect(checker.violations('GET', `/things/${ID}`, response(500, internal))).toEqual([
      expect.stringContaining('status 500 is not documented for GET /things/{id}'),
    ]);
    expect(() => checker.assert('GET', `/things/${ID}`, response(500, internal))).toThrow(
      ContractViolation,
    );
  });

  it('refuses a property the schema does not name, in the resource and in the envelope', () => {
    expect(
      checker.violations('GET', `/things/${ID}`, response(200, { data: { id: ID, secret: 's' } })),
    ).toEqual([expect.stringContaining('must NOT have additional properties')]);
    expect(
      checker.violations('GET', `/things/${ID}`, response(200, { data: { id: ID }, meta: {} })),
    ).toEqual([expect.stringContaining('must NOT have additional properties')]);
  });

  it('refuses a body that breaks the schema: wrong format, wrong code, missing field', () => {
    expect(
      checker.violations('GET', `/things/${ID}`, response(200, { data: { id: 'x' } })),
    ).toEqual([expect.stringContaining('must match format "uuid"')]);
    const wrongCode = { error: { ...notFound.error, code: 'FORBIDDEN' } };
    expect(checker.violations('GET', `/things/${ID}`, response(404, wrongCode))).toHaveLength(1);
    expect(checker.violations('GET', `/things/${ID}`, response(200, {}))).toHaveLength(1);
  });

  it('refuses a missing required header, an undocumented content type, a body where none is', () => {
    expect(
      checker.violations(
        'GET',
        `/things/${ID}`,
        response(200, { data: { id: ID } }, { 'x-request-id': undefined }),
      ),
    ).toEqual([expect.stringContaining('no x-request-id header')]);
    expect(
      checker.violations(
        'GET',
        `/things/${ID}`,
        response(200, { data: { id: ID } }, { 'content-type': 'text/html' }),
      ),
    ).toEqual([expect.stringContaining('content type "text/html" is not documented')]);
    expect(checker.violations('GET', `/things/${ID}`, response(304, { data: { id: ID } }))).toEqual(
      [expect.stringContaining('a body where none is documented')],
    );
  });

  it('matches literal paths before templates, and ignores a trailing slash', () => {
    expect(checker.violations('GET', '/things/mine/', response(204, undefined))).toEqual([]);
    expect(checker.violations('GET', '/things/mine', response(200, { data: { id: ID } }))).toEqual([
      expect.stringContaining('status 200 is not documented for GET /things/mine'),
    ]);
  });

  it('allows only the 404 error on a path or method the document does not name', () => {
    expect(checker.violations('GET', '/nowhere', response(404, notFound))).toEqual([]);
    expect(checker.violations('DELETE', `/things/${ID}`, response(404, notFound))).toEqual([]);
    expect(checker.violations('GET', '/nowhere', response(200, { data: {} }))).toEqual([
      expect.stringContaining('only 404 NOT_FOUND or 429 are allowed'),
    ]);
    expect(checker.violations('GET', '/nowhere', response(404, { error: 'nope' }))).toHaveLength(1);
  });

  it('checks HEAD as GET without a body', () => {
    expect(checker.violations('HEAD', `/things/${ID}`, response(200, undefined))).toEqual([]);
    expect(checker.violations('HEAD', `/things/${ID}`, response(500, undefined))).toHaveLength(1);
  });
});

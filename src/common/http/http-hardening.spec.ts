import {
  clientErrorResponse,
  clientErrorStatus,
  isAuthPath,
  responseHeaderSets,
} from './http-hardening.js';

/** Splits a raw HTTP/1.1 response into its status line, headers and body. */
function parse(raw: string): { statusLine: string; headers: Record<string, string>; body: string } {
  const [head, body] = raw.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  return { statusLine, headers, body };
}

describe('client errors (what Node refuses before Fastify)', () => {
  it('maps header overflow to 431, a request timeout to 408, any other parse error to 400', () => {
    expect(clientErrorStatus({ code: 'HPE_HEADER_OVERFLOW' })).toBe(431);
    expect(clientErrorStatus({ code: 'ERR_HTTP_REQUEST_TIMEOUT' })).toBe(408);
    expect(clientErrorStatus({ code: 'HPE_INVALID_METHOD' })).toBe(400);
    expect(clientErrorStatus({ code: 'HPE_INVALID_HEADER_TOKEN' })).toBe(400);
  });

  it.each([
    [431, 'Request Header Fields Too Large', 'REQUEST_HEADER_FIELDS_TOO_LARGE'],
    [408, 'Request Timeout', 'REQUEST_TIMEOUT'],
    [400, 'Bad Request', 'BAD_REQUEST'],
  ])('answers %i with the error envelope, a request id, and closes', (status, reason, code) => {
    const raw = clientErrorResponse(status, 'the-request-id');
    const { statusLine, headers, body } = parse(raw);
    expect(statusLine).toBe(`HTTP/1.1 ${status} ${reason}`);
    expect(headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(headers['content-length'])).toBe(Buffer.byteLength(body));
    expect(headers['x-request-id']).toBe('the-request-id');
    expect(headers.connection).toBe('close');
    expect(headers['cache-control']).toBe('no-store');
    const envelope = JSON.parse(body) as {
      error: { code: string; message: string; request_id: string };
    };
    expect(Object.keys(envelope)).toEqual(['error']);
    expect(envelope.error).toEqual({
      code,
      message: expect.any(String),
      request_id: 'the-request-id',
    });
    expect(envelope.error.message.length).toBeGreaterThan(0);
  });

  it('gives each response a fresh UUID as request id by default', () => {
    const ids = [clientErrorResponse(400), clientErrorResponse(400)].map(
      (raw) => parse(raw).headers['x-request-id'],
    );
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids[1]).not.toBe(ids[0]);
  });
});

describe('response headers (computed once by helmet)', () => {
  const sets = responseHeaderSets();

  it("carry helmet's hardening headers and the CSP that lets Swagger UI work", () => {
    for (const headers of [sets.default, sets.auth]) {
      expect(headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'strict-transport-security': expect.stringContaining('max-age='),
      });
      const csp = String(headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(headers).not.toHaveProperty('x-powered-by');
    }
  });

  it('are never stored under /auth, and revalidated elsewhere', () => {
    expect(sets.auth['cache-control']).toBe('no-store');
    expect(sets.default['cache-control']).toBe('private, no-cache');
  });

  it.each([
    ['/auth', true],
    ['/auth/token', true],
    ['/auth?x=1', true],
    ['/authors', false],
    ['/users/auth', false],
    ['/', false],
  ])('%s is under /auth: %s', (url, expected) => {
    expect(isAuthPath(url)).toBe(expected);
  });
});

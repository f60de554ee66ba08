import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

/**
 * How deeply arrays and objects may nest in a request body; the body itself is level 1. No
 * request of this API needs more than 3; class-transformer and class-validator recurse once per
 * level, so a 100 KB body of `[[[[...` overflowed their stack (a 500) after blocking the event
 * loop for about 100 ms. Documented in docs/security.md and in the OpenAPI 400 answers.
 */
export const MAX_JSON_DEPTH = 32;

export const TOO_DEEP_MESSAGE = `JSON nested deeper than ${MAX_JSON_DEPTH} levels`;

/**
 * Whether the JSON text nests arrays or objects deeper than `maxDepth`, brackets inside strings
 * not counted. One pass, stopping at the first level too many, before JSON.parse builds anything
 * (JSON.parse itself takes tens of milliseconds over 100 KB of nesting). A string is skipped with
 * indexOf to its closing quote, so long text fields cost next to nothing. Written by hand:
 * secure-json-parse and JSON.parse have no depth limit, and a reviver runs only after the whole
 * tree is built. The text need not be valid JSON: whatever is malformed, JSON.parse refuses next.
 */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  // Each level takes at least one character.
  if (text.length <= maxDepth) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 0x22) {
      i = closingQuote(text, i);
      if (i === -1) return false;
    } else if (code === 0x5b || code === 0x7b) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (code === 0x5d || code === 0x7d) {
      depth -= 1;
    }
  }
  return false;
}

/** The index of the quote that closes the string opened at `open` (-1: never closed). */
function closingQuote(text: string, open: number): number {
  let end = open;
  for (;;) {
    end = text.indexOf('"', end + 1);
    if (end === -1) return -1;
    // Escaped when an odd number of backslashes precede it.
    let before = end - 1;
    while (text.charCodeAt(before) === 0x5c) before -= 1;
    if ((end - 1 - before) % 2 === 0) return end;
  }
}

// The charset parameter of a media type (RFC 9110, section 8.3.2), as a token or a quoted string.
const CHARSET_PARAMETER = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i;

/**
 * Whether a JSON body declared with this Content-Type is UTF-8: no charset (JSON is UTF-8, RFC
 * 8259), or `utf-8` in any case. Fastify reads every body as UTF-8, so a body in another charset
 * would be silently misread. Parsed here because Fastify's own media-type parser is internal and
 * this is the one parameter the service reads.
 */
export function declaresUtf8(contentType: string | undefined): boolean {
  const match = CHARSET_PARAMETER.exec(contentType ?? '');
  if (!match) return true;
  return (match[1] ?? match[2]).toLowerCase() === 'utf-8';
}

/**
 * Replaces Fastify's JSON body parser with one that first refuses a charset other than UTF-8
 * (415) and nesting deeper than MAX_JSON_DEPTH (400), then parses exactly as Fastify does
 * (secure-json-parse, refusing `__proto__` and `constructor.prototype` keys; an empty or
 * malformed body is 400).
 */
export function registerJsonBodyParser(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (!declaresUtf8(request.headers['content-type'])) {
      done(new UnsupportedMediaTypeException('JSON bodies must be UTF-8'), undefined);
    } else if (nestsDeeperThan(body as string, MAX_JSON_DEPTH)) {
      done(new BadRequestException(TOO_DEEP_MESSAGE), undefined);
    } else {
      void parseJson(request, body as string, done);
    }
  });
}

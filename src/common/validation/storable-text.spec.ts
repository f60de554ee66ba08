import fc from 'fast-check';
import { STORABLE_TEXT_PATTERN } from './storable-text.js';

/**
 * The pattern is read two ways: by OpenAPI tools as ECMA-262 without the `u` flag, and by the
 * server (and ajv) with it. Both must accept and refuse exactly the same strings, and those must
 * be what the rule says: no NUL, no unpaired surrogate (\p{Cs} under `u`).
 */
const withoutU = new RegExp(STORABLE_TEXT_PATTERN);
const withU = new RegExp(STORABLE_TEXT_PATTERN, 'u');
// eslint-disable-next-line no-control-regex -- the reference rule names NUL itself.
const reference = /^[^\u0000\p{Cs}]*$/u;

/** Any UTF-16 code units (lone surrogates included), mixed with well-formed astral characters. */
const codeUnitText = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)),
      fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)),
      fc.integer({ min: 0x10000, max: 0x10ffff }).map((point) => String.fromCodePoint(point)),
      fc.constantFrom('a', '@', 'p', '{', 'C', 's', '}', '\u0000'),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

describe('STORABLE_TEXT_PATTERN', () => {
  it('uses no Unicode property escape, which means something else without the u flag', () => {
    expect(STORABLE_TEXT_PATTERN).not.toContain('\\p{');
  });

  it.each([
    ['an email', 'ada@example.com', true],
    ['the letters of \\p{Cs}', 'p{Cs}', true],
    ['an astral character', 'Ada 😀', true],
    ['the empty string', '', true],
    ['NUL', 'a\u0000b', false],
    ['a lone high surrogate', 'a\ud83d', false],
    ['a lone low surrogate', '\ude00a', false],
    ['a reversed pair', '\ude00\ud83d', false],
  ])('reads %s the same with and without the u flag', (_name, text, storable) => {
    expect({ withoutU: withoutU.test(text), withU: withU.test(text) }).toEqual({
      withoutU: storable,
      withU: storable,
    });
  });

  it('agrees with the rule on any UTF-16 text, with and without the u flag', () => {
    fc.assert(
      fc.property(codeUnitText, (text) => {
        const expected = reference.test(text);
        return withoutU.test(text) === expected && withU.test(text) === expected;
      }),
      { numRuns: 2000 },
    );
  });
});

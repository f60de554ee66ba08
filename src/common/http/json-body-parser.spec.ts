import { declaresUtf8, MAX_JSON_DEPTH, nestsDeeperThan } from './json-body-parser.js';

describe('nestsDeeperThan', () => {
  const arrays = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  it('counts arrays and objects together, the outermost as level 1', () => {
    expect(nestsDeeperThan(arrays(3), 3)).toBe(false);
    expect(nestsDeeperThan(arrays(4), 3)).toBe(true);
    expect(nestsDeeperThan('{"a":[{"b":[1]}]}', 4)).toBe(false);
    expect(nestsDeeperThan('{"a":[{"b":[1]}]}', 3)).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(nestsDeeperThan(JSON.stringify({ a: '[[[[[[[[', b: '{{{{{{' }), 2)).toBe(false);
    expect(nestsDeeperThan(JSON.stringify({ a: 'say \\"[[[[[[\\" and \\\\' }), 2)).toBe(false);
    expect(nestsDeeperThan(`{"a":"\\\\"${'['.repeat(5)}`, 3)).toBe(true);
  });

  it('siblings do not add up: depth is how deep, not how many', () => {
    expect(nestsDeeperThan(`[${'[],'.repeat(1000)}[]]`, 2)).toBe(false);
  });

  it('stops at the first level too many, closed or not', () => {
    expect(nestsDeeperThan('['.repeat(100_000), MAX_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan('{"a":'.repeat(20_000), MAX_JSON_DEPTH)).toBe(true);
  });

  it('leaves malformed text to JSON.parse', () => {
    expect(nestsDeeperThan('{"unterminated', 1)).toBe(false);
    expect(nestsDeeperThan(']]]]]]', 1)).toBe(false);
  });
});

describe('declaresUtf8', () => {
  it.each([
    [undefined, true],
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['application/json;charset="UTF-8"', true],
    ['application/json; charset=utf-16', false],
    ['application/json; charset=latin1', false],
    ['application/json; charset=', false],
    ['application/json; foo=bar; charset=utf-32', false],
  ])('%s: %s', (contentType, expected) => {
    expect(declaresUtf8(contentType)).toBe(expected);
  });
});

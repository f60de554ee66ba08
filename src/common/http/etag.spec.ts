import {
  acceptedVersions,
  formatEtag,
  noneMatchHits,
  parseEntityTagCondition,
  UNCONDITIONAL,
  versionAccepted,
  type AcceptedVersions,
} from './etag.js';

const ID = '5b7c0e44-4d4b-4a2e-9d8e-1f0c2a3b4c5d';
const POST = { kind: 'post', id: ID };
const USER_PRIVATE = { kind: 'user', id: ID, variant: 'private' };
const oneOf = (...versions: number[]): AcceptedVersions => ({ kind: 'one-of', versions });

describe('formatEtag', () => {
  it('writes a strong tag from kind, id, version and variant', () => {
    expect(formatEtag(POST, 3)).toBe(`"post.${ID}.3"`);
    expect(formatEtag(USER_PRIVATE, 12)).toBe(`"user.${ID}.12.private"`);
  });
});

describe('parseEntityTagCondition', () => {
  it('is undefined for an absent header', () => {
    expect(parseEntityTagCondition(undefined)).toBeUndefined();
  });

  it('reads * (with surrounding spaces)', () => {
    expect(parseEntityTagCondition(' * ')).toBe('*');
  });

  it('reads a list of strong and weak tags, spaces optional, commas inside tags kept', () => {
    expect(parseEntityTagCondition('"a", W/"b",,"c,d" ,W/""')).toEqual([
      { weak: false, opaque: '"a"' },
      { weak: true, opaque: '"b"' },
      { weak: false, opaque: '"c,d"' },
      { weak: true, opaque: '""' },
    ]);
  });

  it('joins repeated header lines', () => {
    expect(parseEntityTagCondition(['"a"', '"b"'])).toEqual([
      { weak: false, opaque: '"a"' },
      { weak: false, opaque: '"b"' },
    ]);
  });

  it('keeps no tag from a malformed header: unquoted, or with spaces or controls inside quotes', () => {
    expect(parseEntityTagCondition('abc')).toEqual([]);
    expect(parseEntityTagCondition('"a b"')).toEqual([]);
    expect(parseEntityTagCondition('"a\u0001"')).toEqual([]);
    expect(parseEntityTagCondition('')).toEqual([]);
  });
});

describe('noneMatchHits (weak comparison)', () => {
  const current = formatEtag(POST, 2);

  it('matches the current tag, strong or weak, alone or in a list, and *', () => {
    for (const header of [current, `W/${current}`, `"x", ${current}`, '*']) {
      expect(noneMatchHits(parseEntityTagCondition(header), current)).toBe(true);
    }
  });

  it('does not match an absent header, another version, or garbage', () => {
    for (const header of [undefined, formatEtag(POST, 1), 'garbage', '']) {
      expect(noneMatchHits(parseEntityTagCondition(header), current)).toBe(false);
    }
  });
});

describe('acceptedVersions (strong comparison)', () => {
  it('is unconditional without a header and for *', () => {
    expect(acceptedVersions(undefined, POST)).toEqual(UNCONDITIONAL);
    expect(acceptedVersions('*', POST)).toEqual(UNCONDITIONAL);
  });

  it('reads the versions of strong tags naming this resource and variant', () => {
    const header = `${formatEtag(POST, 4)}, "other", ${formatEtag(POST, 7)}, ${formatEtag(POST, 4)}`;
    expect(acceptedVersions(parseEntityTagCondition(header), POST)).toEqual(oneOf(4, 7));
    const user = formatEtag(USER_PRIVATE, 2);
    expect(acceptedVersions(parseEntityTagCondition(user), USER_PRIVATE)).toEqual(oneOf(2));
  });

  it('accepts no version from weak tags, other resources, other variants or odd versions', () => {
    const headers = [
      `W/${formatEtag(POST, 4)}`,
      formatEtag({ kind: 'post', id: '00000000-0000-4000-8000-000000000000' }, 4),
      formatEtag({ kind: 'user', id: ID }, 4),
      formatEtag({ ...USER_PRIVATE, variant: 'public' }, 4),
      `"post.${ID}.04"`,
      `"post.${ID}.-1"`,
      `"post.${ID}.1.5"`,
      `"post.${ID}.2147483648"`,
      `"post.${ID}."`,
      'garbage',
    ];
    for (const header of headers) {
      const subject = header.includes('public') ? USER_PRIVATE : POST;
      expect(acceptedVersions(parseEntityTagCondition(header), subject)).toEqual(oneOf());
    }
    expect(acceptedVersions(parseEntityTagCondition(`"post.${ID}.2147483647"`), POST)).toEqual(
      oneOf(2_147_483_647),
    );
  });
});

describe('versionAccepted', () => {
  it('accepts any version when unconditional, else only the listed ones', () => {
    expect(versionAccepted(UNCONDITIONAL, 9)).toBe(true);
    expect(versionAccepted(oneOf(1, 2), 2)).toBe(true);
    expect(versionAccepted(oneOf(1, 2), 3)).toBe(false);
    expect(versionAccepted(oneOf(), 1)).toBe(false);
  });
});

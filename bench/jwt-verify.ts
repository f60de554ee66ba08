/**
 * Micro-benchmark: what one access-token verification costs in jsonwebtoken with the HS256 secret
 * passed as a string, and with the same secret as a KeyObject made once by crypto.createSecretKey
 * (what the app does, src/auth/jwt-key.ts). jsonwebtoken turns a string secret into a key on every
 * call, first trying (and failing) to parse it as a public key.
 *
 * The two variants alternate over several rounds (which goes first alternates too), so drift in
 * the machine's speed hits both alike; the medians of the rounds and their ratio are printed.
 * It prints figures and asserts nothing.
 *
 *   npm run bench:jwt                       (compiles bench/ with tsc, then runs it with node)
 *   BENCH_ROUNDS=15 BENCH_SAMPLE_MS=1000 npm run bench:jwt
 */
import { createSecretKey, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import jwt from 'jsonwebtoken';

const ROUNDS = positiveInteger(process.env.BENCH_ROUNDS, 9);
/** Each sample runs about this long: the slow variant gets fewer iterations, not fewer rounds. */
const SAMPLE_MS = positiveInteger(process.env.BENCH_SAMPLE_MS, 250);
const WARMUP_ITERATIONS = 2_000;
const MIN_ITERATIONS = 200;

const ISSUER = 'users-posts-api';
const AUDIENCE = 'users-posts-api';
const VERIFY_OPTIONS: jwt.VerifyOptions = {
  algorithms: ['HS256'],
  issuer: ISSUER,
  audience: AUDIENCE,
};

// As the tests and a typical deployment configure it: 32 random bytes, hex (64 characters).
const secretString = randomBytes(32).toString('hex');
// As src/auth/jwt-key.ts builds it.
const secretKey: KeyObject = createSecretKey(Buffer.from(secretString, 'utf8'));

// A token like the app's: sub, scope (array), iat, exp, iss, aud.
const token = jwt.sign(
  { sub: randomUUID(), scope: ['users:read', 'users:write', 'posts:read', 'posts:write'] },
  secretKey,
  { algorithm: 'HS256', expiresIn: 900, issuer: ISSUER, audience: AUDIENCE },
);

interface Variant {
  name: string;
  key: string | KeyObject;
  iterations: number;
  samples: number[];
}

const variants: Variant[] = [
  { name: 'string secret', key: secretString, iterations: 0, samples: [] },
  { name: 'KeyObject (createSecretKey)', key: secretKey, iterations: 0, samples: [] },
];

let sink = 0;

/** Verifies the token `iterations` times; returns microseconds per verification. */
function measure(key: string | KeyObject, iterations: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i += 1) {
    const claims = jwt.verify(token, key, VERIFY_OPTIONS) as jwt.JwtPayload;
    sink += claims.exp ?? 0;
  }
  const elapsedNs = Number(process.hrtime.bigint() - start);
  return elapsedNs / 1000 / iterations;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function positiveInteger(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}

function jwtVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('jsonwebtoken/package.json') as { version: string }).version;
}

function format(microseconds: number): string {
  return `${microseconds.toFixed(2).padStart(8)} µs`;
}

// Both variants must accept the token, or the figures mean nothing.
for (const variant of variants) {
  const claims = jwt.verify(token, variant.key, VERIFY_OPTIONS) as jwt.JwtPayload;
  if (typeof claims.sub !== 'string') throw new Error(`${variant.name}: token not verified`);
}

// Warm up, and size each variant's samples from its warm-up cost.
for (const variant of variants) {
  const cost = measure(variant.key, WARMUP_ITERATIONS);
  variant.iterations = Math.max(MIN_ITERATIONS, Math.round((SAMPLE_MS * 1000) / cost));
}
console.log(
  `jsonwebtoken ${jwtVersion()} verify, HS256, token of ${token.length} characters; ` +
    `node ${process.version}; ${ROUNDS} rounds, samples of about ${SAMPLE_MS} ms ` +
    `(${variants.map((variant) => `${variant.iterations} verifications`).join(' / ')})`,
);

for (let round = 0; round < ROUNDS; round += 1) {
  const order = round % 2 === 0 ? variants : [...variants].reverse();
  for (const variant of order) variant.samples.push(measure(variant.key, variant.iterations));
  console.log(
    `round ${String(round + 1).padStart(2)}: ` +
      variants.map((variant) => `${variant.name} ${format(variant.samples[round])}`).join('   '),
  );
}

const [asString, asKey] = variants.map((variant) => median(variant.samples));
console.log('');
console.log(`median per verification, ${variants[0].name}: ${format(asString)}`);
console.log(`median per verification, ${variants[1].name}: ${format(asKey)}`);
console.log(`ratio string / KeyObject: ${(asString / asKey).toFixed(2)}x`);
if (sink === 0) console.log('(unreachable: keeps the verifications from being optimised away)');

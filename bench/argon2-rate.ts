/**
 * The raw argon2id verify rate, for comparison with POST /auth/token: @node-rs/argon2 verify
 * (the service's library and call) of a hash made with the service's parameters, with a fixed
 * number of verifications in flight (as many as the load generator's connections), after a
 * warm-up. run.ts starts it pinned to the server's core, so it gets the same CPU as the service.
 * Prints one JSON line: { verifies, seconds, rate, p50_ms, p99_ms }.
 *
 *   node dist/bench/argon2-rate.js <concurrency> <seconds> [warmup seconds]
 */
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { ARGON2_OPTIONS, positiveNumber, quantile } from './common.js';

const concurrency = positiveNumber(process.argv[2], 4);
const seconds = positiveNumber(process.argv[3], 5);
const warmupSeconds = positiveNumber(process.argv[4], 1);

const password = randomBytes(12).toString('hex');
const stored = await hash(password, ARGON2_OPTIONS);

async function worker(until: number, latencies: number[] | null): Promise<number> {
  let count = 0;
  while (performance.now() < until) {
    const start = performance.now();
    if (!(await verify(stored, password))) throw new Error('argon2 verify refused the password');
    latencies?.push(performance.now() - start);
    count += 1;
  }
  return count;
}

async function phase(durationMs: number, latencies: number[] | null): Promise<number> {
  const until = performance.now() + durationMs;
  const counts = await Promise.all(
    Array.from({ length: concurrency }, () => worker(until, latencies)),
  );
  return counts.reduce((a, b) => a + b, 0);
}

await phase(warmupSeconds * 1000, null);
const latencies: number[] = [];
const started = performance.now();
const verifies = await phase(seconds * 1000, latencies);
const elapsed = (performance.now() - started) / 1000;
console.log(
  JSON.stringify({
    verifies,
    seconds: elapsed,
    rate: verifies / elapsed,
    p50_ms: quantile(latencies, 0.5),
    p99_ms: quantile(latencies, 0.99),
  }),
);

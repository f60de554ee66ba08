import { Injectable, OnModuleInit } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';

/** argon2id at OWASP's recommended parameters: 19 MiB, 2 iterations, 1 lane. */
const ARGON2_OPTIONS = {
  algorithm: 2, // Algorithm.Argon2id: an ambient const enum, not importable as a value here
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

@Injectable()
export class PasswordService implements OnModuleInit {
  /** Verified against when the email is unknown, so both failures cost the same time. */
  private dummyHash = '';

  /**
   * argon2 is bound by CPU and memory (19 MiB per hash): more hashes at once than the cores this
   * process may use only time-share those cores and their caches (libuv's pool would run four),
   * for fewer hashes per second (3% fewer on the benchmark machine, 20% on one with smaller
   * caches; docs/benchmarks.md) and four times the memory. One per core; the rest wait in line,
   * and the thread pool stays free for other work.
   */
  private readonly slots = pLimit(availableParallelism());

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash(randomBytes(16).toString('hex'));
  }

  hash(password: string): Promise<string> {
    return this.slots(() => hash(password, ARGON2_OPTIONS));
  }

  /** Checks a password against a stored hash, or against the dummy hash when there is none. */
  async verify(storedHash: string | undefined, password: string): Promise<boolean> {
    try {
      const matches = await this.slots(() => verify(storedHash ?? this.dummyHash, password));
      return storedHash !== undefined && matches;
    } catch {
      return false;
    }
  }
}

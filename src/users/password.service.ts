import { Injectable, OnModuleInit } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

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

  async onModuleInit(): Promise<void> {
    this.dummyHash = await hash(randomBytes(16).toString('hex'), ARGON2_OPTIONS);
  }

  hash(password: string): Promise<string> {
    return hash(password, ARGON2_OPTIONS);
  }

  /** Checks a password against a stored hash, or against the dummy hash when there is none. */
  async verify(storedHash: string | undefined, password: string): Promise<boolean> {
    try {
      const matches = await verify(storedHash ?? this.dummyHash, password);
      return storedHash !== undefined && matches;
    } catch {
      return false;
    }
  }
}

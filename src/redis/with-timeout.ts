/** Rejects when `work` has not settled within `ms`; Redis calls use it so a hung server costs at most that. */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Budget for one Redis round trip on the request path. */
export const REDIS_COMMAND_TIMEOUT_MS = 250;

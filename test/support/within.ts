/**
 * Hang detector: `work`, or a failure naming `what` if it has not settled within `ms`. For
 * requests that must answer while Redis is in trouble; generous, so it never asserts speed.
 */
export async function within<T>(work: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, hang]);
  } finally {
    clearTimeout(timer);
  }
}

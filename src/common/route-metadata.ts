import type { ExecutionContext, Type } from '@nestjs/common';

/**
 * `compute` once per route handler, then from memory: a route's metadata never changes after
 * start, and the guards run on every request (Reflector walks reflect-metadata's maps each time,
 * 5% of a GET /health in the profile, docs/benchmarks.md).
 */
export function perRoute<T>(
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Reflector's own type
  compute: (handler: Function, target: Type) => T,
): (context: ExecutionContext) => T {
  const memo = new WeakMap<object, { value: T }>();
  return (context) => {
    const handler = context.getHandler();
    let held = memo.get(handler);
    if (!held) {
      held = { value: compute(handler, context.getClass()) };
      memo.set(handler, held);
    }
    return held.value;
  };
}

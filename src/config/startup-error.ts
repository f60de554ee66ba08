/**
 * A reason the process cannot start that the person starting it can fix (a bad setting, a data
 * directory in use, a port taken): main.ts prints the message alone, without a stack, and exits 1.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}

/**
 * Runs every step of an afterAll in order, each one even if an earlier one failed (an engine left
 * running would hold its fixed port against the next suite), then fails with what failed.
 */
export async function teardown(...steps: (() => unknown)[]): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} teardown steps failed`);
}

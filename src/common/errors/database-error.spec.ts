import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable, retryableDatabaseError } from './database-error.js';

/** A driver error as pg raises it, wrapped as TypeORM does. */
function failed(code: string, message = 'error'): QueryFailedError {
  return new QueryFailedError(
    'UPDATE posts SET title = $1',
    [],
    Object.assign(new Error(message), { code }),
  );
}

describe('retryableDatabaseError', () => {
  it('names a lock wait that ran out (55P03)', () => {
    expect(retryableDatabaseError(failed('55P03', 'canceling statement due to lock timeout'))).toBe(
      'The resource is locked by another operation; retry shortly',
    );
  });

  it('names a write to a read-only database (25006)', () => {
    expect(
      retryableDatabaseError(failed('25006', 'cannot execute UPDATE in a read-only transaction')),
    ).toBe('The database is read-only; writes are unavailable');
  });

  it('names a database out of reach', () => {
    expect(retryableDatabaseError(failed('57P01'))).toBe('The database is unavailable');
    expect(retryableDatabaseError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(
      'The database is unavailable',
    );
  });

  it('leaves other errors alone', () => {
    expect(retryableDatabaseError(failed('23505'))).toBeUndefined();
    expect(retryableDatabaseError(failed('22P02'))).toBeUndefined();
    expect(retryableDatabaseError(new Error('anything'))).toBeUndefined();
    expect(isDatabaseUnavailable(failed('55P03'))).toBe(false);
  });
});

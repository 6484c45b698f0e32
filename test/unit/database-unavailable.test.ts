import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../server/db/unavailable';

const withCode = (code: string) => Object.assign(new Error('failed'), { code });

describe('telling a database that cannot be reached from a query that failed', () => {
  it.each([
    ['refused', withCode('ECONNREFUSED')],
    ['reset', withCode('ECONNRESET')],
    ['admin shutdown', withCode('57P01')],
    ['cannot connect now', withCode('57P03')],
    ['connection failure', withCode('08006')],
    ['no such database', withCode('3D000')],
    ['terminated', new Error('Connection terminated unexpectedly')],
    ['starting up', new Error('the database system is starting up')],
    ['no pooled connection free in time', new Error('timeout exceeded when trying to connect')],
    ['wrapped as a cause', new Error('query failed', { cause: withCode('ECONNREFUSED') })],
  ])('%s: unavailable', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('23505')],
    ['a syntax error', withCode('42601')],
    ['a plain error', new Error('something else')],
    ['not an error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('%s: not unavailable', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

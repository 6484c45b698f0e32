import { describe, expect, it } from 'vitest';
import { addWorkingDays } from '../../server/shared/working-days';

const none = { nonWorkingDays: new Set<string>() };
const at = (iso: string) => new Date(iso);

describe('addWorkingDays', () => {
  it.each([
    ['Friday 10:00 + 3 → Wednesday 10:00', '2026-11-27T10:00:00Z', 3, '2026-12-02T10:00:00.000Z'],
    ['Monday + 3 → Thursday', '2026-11-23T09:30:00Z', 3, '2026-11-26T09:30:00.000Z'],
    ['Saturday + 1 → Monday', '2026-11-28T15:00:00Z', 1, '2026-11-30T15:00:00.000Z'],
    ['Sunday + 1 → Monday', '2026-11-29T15:00:00Z', 1, '2026-11-30T15:00:00.000Z'],
    ['zero days is now', '2026-11-26T08:00:00Z', 0, '2026-11-26T08:00:00.000Z'],
    ['Wednesday + 5 → next Wednesday', '2026-11-25T12:00:00Z', 5, '2026-12-02T12:00:00.000Z'],
  ])('%s', (_label, from, days, expected) => {
    expect(addWorkingDays(at(from), days, none).toISOString()).toBe(expected);
  });

  it('skips configured non-working days (Christmas and Boxing Day)', () => {
    const christmas = { nonWorkingDays: new Set(['2026-12-25', '2026-12-28']) };
    // Thursday 24 Dec + 3: Fri 25 (holiday), Sat, Sun, Mon 28 (substitute holiday), Tue 29, Wed 30, Thu 31.
    expect(addWorkingDays(at('2026-12-24T11:00:00Z'), 3, christmas).toISOString()).toBe('2026-12-31T11:00:00.000Z');
  });

  it('counts days in England: 23:30 UTC on a summer Friday is already Saturday in London', () => {
    // 00:30 on Saturday 27 June (London) + 1 working day = 00:30 on Monday 29 June = 23:30 UTC on Sunday 28.
    expect(addWorkingDays(at('2026-06-26T23:30:00Z'), 1, none).toISOString()).toBe('2026-06-28T23:30:00.000Z');
  });

  it('refuses a negative or fractional count', () => {
    expect(() => addWorkingDays(at('2026-11-26T08:00:00Z'), -1, none)).toThrow(RangeError);
    expect(() => addWorkingDays(at('2026-11-26T08:00:00Z'), 1.5, none)).toThrow(RangeError);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { birthdayAt, pastIndexAge, pastIndexAgeReason } from '../../server/retention/schedule';

describe('the index age rule', () => {
  it.each([
    // dateOfBirth, today, age, past?
    ['2007-06-14', '2026-06-15', 19, true],
    ['2007-06-15', '2026-06-15', 19, true],
    ['2007-06-16', '2026-06-15', 19, false],
    ['1990-01-01', '2026-06-15', 19, true],
    ['2026-06-15', '2026-06-15', 19, false],
    ['2008-02-29', '2027-02-27', 19, false],
    ['2008-02-29', '2027-02-28', 19, true],
    ['2008-02-29', '2028-02-28', 20, false],
    ['2008-02-29', '2028-02-29', 20, true],
    ['2010-12-31', '2026-12-30', 16, false],
    ['2010-12-31', '2026-12-31', 16, true],
  ] as const)('born %s, on %s, at age %i: past it is %s', (dateOfBirth, today, age, past) => {
    expect(pastIndexAge(dateOfBirth, today, age)).toBe(past);
  });

  it('a birthday at an age keeps the month and day, 29 February becoming 28 in common years', () => {
    expect(birthdayAt('2008-02-29', 19)).toBe('2027-02-28');
    expect(birthdayAt('2008-02-29', 20)).toBe('2028-02-29');
    expect(birthdayAt('0999-03-01', 19)).toBe('1018-03-01');
  });

  it('is past the age exactly from that birthday on, for any date and age', () => {
    const day = fc
      .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, day, fc.integer({ min: 1, max: 100 }), (dateOfBirth, today, age) => {
        const [y, m, d] = dateOfBirth.split('-').map(Number) as [number, number, number];
        // The age reached on `today`, counted the usual way (a 29 February birthday counts on 28 February).
        const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
        const birthdayThisYear = new Date(Date.UTC(ty, m - 1, Math.min(d, new Date(Date.UTC(ty, m, 0)).getUTCDate())));
        const ageOnToday = ty - y - (Date.UTC(ty, tm - 1, td) < birthdayThisYear.getTime() ? 1 : 0);
        expect(pastIndexAge(dateOfBirth, today, age)).toBe(ageOnToday >= age);
      }),
      { numRuns: 2_000 },
    );
  });

  it('gives its reason with the configured age', () => {
    expect(pastIndexAgeReason(19)).toEqual({
      message: "Index records are destroyed on the child's 19th birthday (the protocol's retention rule), so a young person past it cannot be added.",
      field: 'This young person has turned 19: the index only holds children before their 19th birthday.',
    });
    expect(pastIndexAgeReason(21).field).toMatch(/turned 21: .* 21st birthday/);
  });
});

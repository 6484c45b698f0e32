import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawClient } from '../support/database';
import { startTestHaven, TestClock, type TestHaven } from '../support/haven';
import { People } from '../support/people';

// A child's index entry is destroyed on their 19th birthday (HAVEN_RETENTION_INDEX_AGE_YEARS):
// someone already past it is never added, so no record exists that the protocol says must not.

type ErrorBody = { error: { code: string; message: string; issues?: { path: string; message: string }[] } };

// Midday in London, so "today" is the same day whichever way it is read.
const TODAY = '2026-06-15';
const clock = new TestClock();
clock.setTo(new Date(`${TODAY}T11:00:00Z`));

let haven: TestHaven;
let sixteen: TestHaven;
const people = new People(() => haven, clock.now);
const peopleAtSixteen = new People(() => sixteen, clock.now);

beforeAll(async () => {
  [haven, sixteen] = await Promise.all([
    startTestHaven({ seedDemo: true, clock: clock.now }),
    startTestHaven({ seedDemo: true, clock: clock.now, env: { HAVEN_RETENTION_INDEX_AGE_YEARS: '16' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([haven?.close(), sixteen?.close()]);
});

const child = (name: string, dateOfBirth: string) => ({
  name,
  dateOfBirth,
  gender: 'female',
  address: '3 Mill Lane, Northmoor',
  postcode: 'NM3 2LB',
  parents: [],
  basis: 'involved',
});

async function childrenNamed(h: TestHaven, name: string): Promise<number> {
  const client = await rawClient(h.database.url);
  try {
    return (await client.query<{ n: number }>('select count(*)::int as n from children where name = $1', [name])).rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

describe('adding a child past the index age', () => {
  it('is refused with the reason, on the date-of-birth field, when the 19th birthday was yesterday or is today', async () => {
    const jordan = await people.as('Jordan');
    for (const [name, dateOfBirth] of [
      ['Past Nineteen Yesterday', '2007-06-14'],
      ['Past Nineteen Today', '2007-06-15'],
      ['Long Past Nineteen', '1990-01-01'],
    ] as const) {
      const res = await jordan.post<ErrorBody>('/api/children', child(name, dateOfBirth));
      expect(res.status, dateOfBirth).toBe(400);
      expect(res.body.error.code).toBe('past_retention_age');
      expect(res.body.error.message).toMatch(/destroyed on the child's 19th birthday/);
      expect(res.body.error.issues).toEqual([{ path: 'dateOfBirth', message: expect.stringMatching(/turned 19/) }]);
      expect(await childrenNamed(haven, name)).toBe(0);
    }
  });

  it('is accepted the day before the 19th birthday', async () => {
    const jordan = await people.as('Jordan');
    const res = await jordan.post('/api/children', child('Nineteen Tomorrow', '2007-06-16'));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(await childrenNamed(haven, 'Nineteen Tomorrow')).toBe(1);
  });

  it('follows the configured age: at 16, a 17-year-old is refused and a 15-year-old added', async () => {
    const jordan = await peopleAtSixteen.as('Jordan');
    const old = await jordan.post<ErrorBody>('/api/children', child('Seventeen Now', '2009-03-01'));
    expect(old.status).toBe(400);
    expect(old.body.error).toMatchObject({ code: 'past_retention_age', issues: [{ path: 'dateOfBirth', message: expect.stringMatching(/turned 16/) }] });
    expect((await jordan.post('/api/children', child('Fifteen Now', '2011-03-01'))).status).toBe(201);
  });

  it('draws the line where a retention run does, 29 February birthdays included', async () => {
    // Around the end of February 2027, when someone born on 29 February 2008 turns 19.
    const february = new TestClock();
    february.setTo(new Date('2027-02-27T11:00:00Z'));
    const leap = await startTestHaven({ seedDemo: true, clock: february.now, env: { HAVEN_SESSION_HOURS: '720' } });
    const client = await rawClient(leap.database.url);
    try {
      const jordan = await new People(() => leap, february.now).as('Jordan');
      for (const today of ['2027-02-27', '2027-02-28', '2027-03-01']) {
        for (const dateOfBirth of ['2008-02-28', '2008-02-29', '2008-03-01']) {
          // The retention run's own test of a date of birth (retention.store.ts), on the database.
          const due = (await client.query<{ due: boolean }>('select $1::date + make_interval(years => 19) <= $2::date as due', [dateOfBirth, today])).rows[0]
            ?.due;
          const res = await jordan.post<ErrorBody>('/api/children', {
            ...child(`Born ${dateOfBirth}, added ${today}`, dateOfBirth),
            confirmNotDuplicate: true,
          });
          expect(res.status === 400 && res.body.error.code === 'past_retention_age', `born ${dateOfBirth}, added ${today}`).toBe(due);
        }
        february.advanceDays(1);
      }
    } finally {
      await client.end();
      await leap.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { userStatusOn, verificationExpiresOn } from '../../server/accounts/verification-rules';
import { addMonths, localDate } from '../../server/shared/clock';

describe('addMonths', () => {
  it.each([
    ['2026-01-15', 1, '2026-02-15'],
    ['2026-01-31', 1, '2026-02-28'],
    ['2028-01-31', 1, '2028-02-29'],
    ['2026-11-30', 3, '2027-02-28'],
    ['2026-03-31', -1, '2026-02-28'],
    ['2026-01-10', -13, '2024-12-10'],
    ['2026-05-05', 36, '2029-05-05'],
  ])('%s + %i months = %s', (date, months, expected) => {
    expect(addMonths(date, months)).toBe(expected);
  });
});

describe('localDate', () => {
  it('uses the date in England, not UTC (British Summer Time)', () => {
    expect(localDate(new Date('2026-06-30T23:30:00Z'))).toBe('2026-07-01');
    expect(localDate(new Date('2026-12-31T23:30:00Z'))).toBe('2026-12-31');
  });
});

describe('verification expiry', () => {
  const renewal = { vettingMonths: 36, trainingMonths: 24 };

  it('expires at the earliest renewal date', () => {
    expect(verificationExpiresOn({ vettingCheckedOn: '2026-01-01', trainingCompletedOn: '2026-01-01' }, renewal)).toBe('2028-01-01');
    expect(verificationExpiresOn({ vettingCheckedOn: '2024-06-01', trainingCompletedOn: '2026-01-01' }, renewal)).toBe('2027-06-01');
  });

  it('follows the configured renewal periods', () => {
    expect(verificationExpiresOn({ vettingCheckedOn: '2026-01-01', trainingCompletedOn: '2026-01-01' }, { vettingMonths: 12, trainingMonths: 60 })).toBe(
      '2027-01-01',
    );
  });

  it.each([
    ['2027-05-31', null, null, 'pending'],
    ['2027-05-31', null, '2027-06-01', 'verified'],
    ['2027-06-01', null, '2027-06-01', 'expired'],
    ['2027-06-02', null, '2027-06-01', 'expired'],
    ['2027-05-31', new Date(), '2027-06-01', 'suspended'],
    ['2027-05-31', new Date(), null, 'suspended'],
  ])('on %s (suspended %s, expires %s) the user is %s', (today, suspendedAt, expiresOn, expected) => {
    expect(userStatusOn(today, { suspendedAt }, expiresOn ? { expiresOn } : null)).toBe(expected);
  });
});

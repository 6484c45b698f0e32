import type { Config } from '../config';

export type RecordClass = 'index_entry' | 'welfare_message' | 'verbal_share_log' | 'special_file' | 'audit';

export interface RetentionRule {
  recordClass: RecordClass;
  rule: string;
  reason: string;
}

/**
 * The retention schedule, per record class, each with the reason it is kept that long.
 * Ages come from configuration (DESIGN §1: local policy, not code constants).
 */
export function retentionSchedule(config: Config): RetentionRule[] {
  const indexAge = config.HAVEN_RETENTION_INDEX_AGE_YEARS;
  const specialAge = config.HAVEN_RETENTION_SPECIAL_FILE_AGE_YEARS;
  return [
    {
      recordClass: 'index_entry',
      rule: `Destroyed on the child's ${ordinal(indexAge)} birthday.`,
      reason:
        'The protocol promises children and families that index records are destroyed when the child reaches 19; they exist only to help agencies work together while the child is a child.',
    },
    {
      recordClass: 'welfare_message',
      rule: "Destroyed with the child's index entry.",
      reason: 'Messages are shares about the child; keeping them longer than the index entry would keep the child on record by another route.',
    },
    {
      recordClass: 'verbal_share_log',
      rule: "Destroyed with the child's index entry.",
      reason: 'The log records what was shared about the child and why; it has no purpose once the child has left the index.',
    },
    {
      recordClass: 'special_file',
      rule: `Destroyed on the child's ${ordinal(specialAge)} birthday (a child with a special file is destroyed at the later of the two ages).`,
      reason:
        'Written records under the Crime and Disorder Act 1998 s.115 are local policy; the age is configurable so an area can follow its youth justice retention guidance.',
    },
    {
      recordClass: 'audit',
      rule: "Kept. Entries hold only identifiers and kinds; their personal detail (search terms, reasons) is destroyed with the child's records.",
      reason:
        'The hash-chained audit log proves who accessed what; removing entries would break that proof, so what could identify a child is kept outside the chain and destroyed instead.',
    },
  ];
}

/**
 * The day a child born on `dateOfBirth` (YYYY-MM-DD) reaches `ageYears`, when their index entry is
 * destroyed. Someone born on 29 February reaches it on 28 February in other years, as PostgreSQL's
 * `date + make_interval(years => n)` has it, which is what a retention run compares (retention.store.ts).
 */
export function birthdayAt(dateOfBirth: string, ageYears: number): string {
  const [y, m, d] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const year = y + ageYears;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const lastDay = m === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
  return `${String(year).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(Math.min(d, lastDay)).padStart(2, '0')}`;
}

/**
 * Whether a child born on `dateOfBirth` is past the index age on `today` (both YYYY-MM-DD): their
 * birthday at that age is today or before, so a retention run today destroys their records.
 */
export function pastIndexAge(dateOfBirth: string, today: string, ageYears: number): boolean {
  return birthdayAt(dateOfBirth, ageYears) <= today;
}

/** The reason a child past the index age is not added: for the person adding them, on the date-of-birth field. */
export function pastIndexAgeReason(ageYears: number): { message: string; field: string } {
  const birthday = `${ordinal(ageYears)} birthday`;
  return {
    message: `Index records are destroyed on the child's ${birthday} (the protocol's retention rule), so a young person past it cannot be added.`,
    field: `This young person has turned ${ageYears}: the index only holds children before their ${birthday}.`,
  };
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th');
  return `${n}${suffix}`;
}

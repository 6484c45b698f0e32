import { describe, expect, it } from 'vitest';
import { canAskForRecordKey, canGrantRecordKey, canLeaveReadersPending, type Actor } from '../../server/policy';
import { A, STATUSES, code } from './policy-fixtures';

// Issue 18 bug 1: who a written record may leave waiting for keys, who may grant its key to them
// later, and who may ask for it.
const actor = (id: string, over: Partial<Actor> = {}): Actor => ({
  id,
  role: 'designated_officer',
  agencyId: A,
  status: 'verified',
  mfaEnrolled: true,
  ...over,
});

describe('canLeaveReadersPending', () => {
  const cases: [string, 'welfare' | 'offending_risk', string[], string[], string][] = [
    ['nobody pending, nobody without keys, special file', 'offending_risk', [], [], 'allow'],
    ['exactly those without keys, in any order', 'offending_risk', ['b', 'a'], ['a', 'b'], 'allow'],
    ['one without keys left out (sealed to a key they do not have)', 'offending_risk', ['a'], ['a', 'b'], 'pending_readers_differ'],
    ['someone with keys named pending (to be sent it later)', 'offending_risk', ['a', 'c'], ['a'], 'pending_readers_differ'],
    ['nobody pending while someone has no keys', 'offending_risk', [], ['a'], 'pending_readers_differ'],
    ['a conversation with nobody pending', 'welfare', [], [], 'allow'],
    ['a conversation with nobody pending, someone without keys (refused later as a stale key)', 'welfare', [], ['a'], 'allow'],
    ['a conversation naming someone pending', 'welfare', ['a'], ['a'], 'pending_readers_special_file_only'],
  ];
  it.each(cases)('%s', (_what, tier, pending, withoutKeys, expected) => {
    expect(code(canLeaveReadersPending({ tier }, pending, withoutKeys))).toBe(expected);
  });
});

describe('canGrantRecordKey', () => {
  const record = {
    senderId: 'author',
    recipientIds: ['reader'],
    pending: ['waiting'],
    granted: [] as string[],
    participantIds: ['author', 'reader', 'waiting', 'other'],
  };
  const grant = (granterId: string, userId = 'waiting') => ({ granterId, userId });

  it('lets the author or a recipient on the case grant to a pending reader on the case, once', () => {
    expect(code(canGrantRecordKey(actor('author'), record, grant('author')))).toBe('allow');
    expect(code(canGrantRecordKey(actor('reader'), record, grant('reader')))).toBe('allow');
    expect(code(canGrantRecordKey(actor('reader'), { ...record, granted: ['waiting'] }, grant('reader')))).toBe('already_granted');
  });

  it('refuses anyone else, a reader who left the case, and a grant in another name or for someone not pending', () => {
    expect(code(canGrantRecordKey(actor('reader'), record, grant('author')))).toBe('not_the_granter');
    expect(code(canGrantRecordKey(actor('other'), record, grant('other')))).toBe('not_a_reader');
    expect(code(canGrantRecordKey(actor('waiting'), record, grant('waiting')))).toBe('not_a_reader');
    expect(code(canGrantRecordKey(actor('outsider'), record, grant('outsider')))).toBe('not_a_reader');
    expect(code(canGrantRecordKey(actor('reader'), { ...record, participantIds: ['author', 'waiting'] }, grant('reader')))).toBe('not_a_reader');
    expect(code(canGrantRecordKey(actor('author'), record, grant('author', 'other')))).toBe('not_pending');
    expect(code(canGrantRecordKey(actor('author'), record, grant('author', 'reader')))).toBe('not_pending');
    expect(code(canGrantRecordKey(actor('author'), { ...record, participantIds: ['author', 'reader'] }, grant('author')))).toBe('reader_left_case');
  });

  it.each(STATUSES)('an author whose account is %s', (status) => {
    const expected = status === 'suspended' || status === 'pending' ? 'not_verified' : 'allow';
    expect(code(canGrantRecordKey(actor('author', { status }), record, grant('author')))).toBe(expected);
  });
});

describe('canAskForRecordKey', () => {
  const record = { pending: ['waiting'], granted: [] as string[], participantIds: ['author', 'waiting'] };
  it('only a pending reader on the case without a grant asks', () => {
    expect(code(canAskForRecordKey(actor('waiting'), record))).toBe('allow');
    expect(code(canAskForRecordKey(actor('waiting'), { ...record, granted: ['waiting'] }))).toBe('already_granted');
    expect(code(canAskForRecordKey(actor('author'), record))).toBe('not_pending');
    expect(code(canAskForRecordKey(actor('waiting'), { ...record, participantIds: ['author'] }))).toBe('not_pending');
  });
});

import { allow, deny, type Actor, type Decision } from './types';

/**
 * A written record filed while some officers on the case have no keys yet goes to everyone who has
 * and names the others, signed, as pending (envelope v3, docs/envelope.md). The server holds the
 * keys directory, so it checks the list: it must be exactly the other participants without
 * published keys — nobody left out who could have had it, nobody named who already has keys. Only
 * the special file leaves readers waiting: a conversation's message goes to all of its people or
 * to nobody.
 */
export function canLeaveReadersPending(thread: { tier: 'welfare' | 'offending_risk' }, pending: readonly string[], withoutKeys: readonly string[]): Decision {
  if (thread.tier !== 'offending_risk') {
    return pending.length === 0
      ? allow
      : deny('pending_readers_special_file_only', 'Only a written record in a special file can wait for someone to set up their keys.');
  }
  const named = [...pending].sort();
  const expected = [...withoutKeys].sort();
  if (named.length !== expected.length || named.some((id, i) => id !== expected[i])) {
    return deny(
      'pending_readers_differ',
      'A written record names as waiting exactly the officers on the case who have not set up encryption keys. Check the officers’ keys again, then file it again.',
    );
  }
  return allow;
}

/**
 * Wrapping a written record's key for an officer it left waiting (a key grant): by an officer on
 * the case who can read it — its author or one of the recipients its signed header names — for a
 * reader the header names as pending, who is still on the case and has no grant yet.
 */
export function canGrantRecordKey(
  actor: Actor,
  record: { senderId: string; recipientIds: readonly string[]; pending: readonly string[]; granted: readonly string[]; participantIds: readonly string[] },
  grant: { granterId: string; userId: string },
): Decision {
  if (grant.granterId !== actor.id) return deny('not_the_granter', 'You can only share a record’s key as yourself.');
  if (actor.status === 'suspended' || actor.status === 'pending') return deny('not_verified', 'Your account cannot use special files.');
  const readers = [record.senderId, ...record.recipientIds];
  if (!record.participantIds.includes(actor.id) || !readers.includes(actor.id)) {
    return deny('not_a_reader', 'Only the officer who filed this record, or an officer it was filed for, can share it with an officer it is waiting for.');
  }
  if (!record.pending.includes(grant.userId)) return deny('not_pending', 'This record is not waiting for that person.');
  if (!record.participantIds.includes(grant.userId)) return deny('reader_left_case', 'That officer is no longer on the case.');
  if (record.granted.includes(grant.userId)) return deny('already_granted', 'That officer can already open this record.');
  return allow;
}

/**
 * An officer a written record waits for asks the officers who can read it to share it with their
 * new keys: only an officer on the case whom the record's signed header names as pending and who
 * has no grant yet. It reveals nothing; it only prompts their browsers (share:grant-wanted).
 */
export function canAskForRecordKey(
  actor: Actor,
  record: { pending: readonly string[]; granted: readonly string[]; participantIds: readonly string[] },
): Decision {
  if (!record.participantIds.includes(actor.id) || !record.pending.includes(actor.id)) return deny('not_pending', 'This record is not waiting for you.');
  if (record.granted.includes(actor.id)) return deny('already_granted', 'You can already open this record.');
  return allow;
}

import { canReach } from './standing.policy';
import { allow, deny, type Actor, type Decision } from './types';

/**
 * Who may tell Haven that their client found something altered on the server: a user in good
 * standing, about what the server has given them to read — a conversation (or special file) they
 * take part in, or a share entry they sent or took part in. Anyone else could use reports to raise
 * alarms about messages they have never seen, or to learn which ids exist.
 */
export function canReportIntegrity(actor: Actor, readers: { readerIds: readonly string[] }): Decision {
  const standing = canReach(actor, 'service');
  if (!standing.allow) return standing;
  return readers.readerIds.includes(actor.id) ? allow : deny('not_a_reader', 'You can only report something you were given to read.');
}

/**
 * Who may report a key-log fork: any user in good standing whose client checks keys. The report
 * carries its own evidence (two heads signed by the log key), so who sends it matters only for
 * rate limits and the audit trail.
 */
export function canReportKeyLogFork(actor: Actor): Decision {
  return canReach(actor, 'service');
}

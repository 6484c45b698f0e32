/**
 * How new-message notices are gathered (docs/notifications.md). Pure: the caller reads the times.
 *
 * A message's notice waits one digest period, so a reader who is online reads it first and gets
 * no e-mail, and whatever else arrives meanwhile goes in the same e-mail; and no digest goes
 * within one period of the last one sent to that person.
 */
export function digestDueAt(firstMessageAt: Date, periodMs: number): Date {
  return new Date(firstMessageAt.getTime() + periodMs);
}

/** When a due digest must wait longer because the last one went less than a period ago; null when it may go now. */
export function digestHeldUntil(lastSentAt: Date | null, periodMs: number, now: Date): Date | null {
  if (!lastSentAt) return null;
  const allowed = lastSentAt.getTime() + periodMs;
  return allowed > now.getTime() ? new Date(allowed) : null;
}

/** At send time: a digest counts what is still unread, and says nothing when nothing is. */
export function digestDecision(unread: number): 'send' | 'skip' {
  return unread > 0 ? 'send' : 'skip';
}

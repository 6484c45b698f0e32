import type { Database } from '../db';
import type { Notice } from '../notifications';
import { recoveryAlertRecipients } from './mfa-recovery.store';

/**
 * Alerts for the admins who did not act: the person's agency admins (and the system admins, for a
 * system admin or a person with no agency). When a confirmation is still needed, or the person says
 * they never asked for the recovery, and nobody else would hear, the system admins hear: someone
 * who may confirm, or look into a possible takeover, must know.
 */
export async function adminAlerts(
  db: Database,
  subject: { id: string; agencyId: string | null; role: string },
  acted: (string | null)[],
  content: Extract<Notice['content'], { kind: 'mfa_recovery_admin_alert' }>,
): Promise<Notice[]> {
  let ids = (await recoveryAlertRecipients(db, subject)).filter((id) => !acted.includes(id));
  if (ids.length === 0 && (content.stage === 'requested' || content.stage === 'disowned')) {
    ids = (await recoveryAlertRecipients(db, subject, true)).filter((id) => !acted.includes(id));
  }
  return ids.map((userId) => ({ to: { userId }, content }));
}

import { loadUserRecords } from '../accounts/accounts.store';
import type { Database } from '../db';
import { followUps, participantsOf, type ShareRow } from './shares.store';

export interface ShareEntryView {
  id: string;
  kind: ShareRow['kind'];
  tier: ShareRow['tier'];
  occurredAt: string;
  recordedAt: string;
  sender: { id: string; name: string; role: string; agencyId: string; agencyName: string };
  participants: {
    user: { id: string; name: string } | null;
    externalName: string | null;
    agencyName: string;
    needToKnowReason: string | null;
    /** Kept out of onward shares, subject-access output and other agencies' view of the entry. */
    protectIdentity: boolean;
  }[];
  record: Record<string, unknown>;
  /** The sealed summary (docs/sealed-note.md), opened in the browser; null when there is none. */
  summary: Record<string, unknown> | null;
  corrects: { id: string; reason: string } | null;
  /** Later entries that corrected (or, for a decision, reopened) this one. */
  followedBy: { id: string; kind: ShareRow['kind'] }[];
}

export async function buildShareViews(db: Database, rows: ShareRow[]): Promise<ShareEntryView[]> {
  const ids = rows.map((r) => r.id);
  const [participants, later, senders] = await Promise.all([
    participantsOf(db, ids),
    followUps(db, ids),
    loadUserRecords(db, { ids: [...new Set(rows.map((r) => r.senderId))] }),
  ]);
  const senderById = new Map(senders.map((s) => [s.user.id, s]));
  return rows.map((row) => {
    const sender = senderById.get(row.senderId);
    return {
      id: row.id,
      kind: row.kind,
      tier: row.tier,
      occurredAt: row.occurredAt.toISOString(),
      recordedAt: row.recordedAt.toISOString(),
      sender: {
        id: row.senderId,
        name: sender?.user.name ?? 'Unknown user',
        role: row.senderRole,
        agencyId: row.senderAgencyId,
        agencyName: sender?.agency?.name ?? 'Unknown agency',
      },
      participants: participants
        .filter((p) => p.participant.shareId === row.id)
        .map((p) => ({
          user: p.participant.userId ? { id: p.participant.userId, name: p.userName ?? 'Unknown user' } : null,
          externalName: p.participant.externalName,
          agencyName: p.agencyName,
          needToKnowReason: p.participant.needToKnowReason,
          protectIdentity: p.participant.protectIdentity,
        })),
      record: row.record,
      summary: row.summary,
      corrects: row.correctsId ? { id: row.correctsId, reason: row.correctionReason ?? '' } : null,
      followedBy: later.filter((l) => l.correctsId === row.id || l.record.reopens === row.id).map((l) => ({ id: l.id, kind: l.kind })),
    };
  });
}

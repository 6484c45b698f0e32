import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db';
import {
  agencies,
  attachments,
  auditEntries,
  auditPrivate,
  concernFlags,
  involvements,
  leadPractitioners,
  messages,
  shareLog,
  shareParticipants,
  specialistContacts,
  users,
} from '../db/schema';
import type { ChildRow } from '../children/children.store';

const PROTECTED = '[identity protected]';

export interface SubjectAccessExport {
  generatedAt: string;
  child: Record<string, unknown>;
  /** Everything in date order: index events, shares, messages and accesses. */
  events: { at: string; kind: string; description: string; detail: Record<string, unknown> }[];
  notes: string[];
}

/**
 * Everything Haven holds about one child, for a subject access request, in date order. Third
 * parties marked "protect identity" are redacted; shielded specialist contacts are withheld;
 * message and summary content is end-to-end encrypted, so only its existence is listed.
 */
export async function buildExport(db: Database, child: ChildRow, now: Date): Promise<SubjectAccessExport> {
  const agencyName = async (id: string) => (await db.select({ name: agencies.name }).from(agencies).where(eq(agencies.id, id)))[0]?.name ?? 'Unknown agency';
  const events: SubjectAccessExport['events'] = [];
  const push = (at: Date, kind: string, description: string, detail: Record<string, unknown> = {}) =>
    events.push({ at: at.toISOString(), kind, description, detail });

  push(child.createdAt, 'index_entry_created', `Added to the children's index by ${await agencyName(child.sourceAgencyId)}`);
  for (const row of await db
    .select({ i: involvements, agency: agencies.name })
    .from(involvements)
    .innerJoin(agencies, eq(agencies.id, involvements.agencyId))
    .where(eq(involvements.childId, child.id))) {
    push(row.i.startedAt, 'involvement', `${row.agency} recorded that it provides a service`);
    if (row.i.endedAt) push(row.i.endedAt, 'involvement_ended', `${row.agency} recorded that it no longer provides a service`);
  }
  for (const row of await db
    .select({ f: concernFlags, agency: agencies.name })
    .from(concernFlags)
    .innerJoin(agencies, eq(agencies.id, concernFlags.agencyId))
    .where(eq(concernFlags.childId, child.id))) {
    push(row.f.raisedAt, 'concern', `${row.agency} raised a flag of concern`);
    if (row.f.clearedAt) push(row.f.clearedAt, 'concern_cleared', `${row.agency} cleared its flag of concern`);
  }

  for (const row of await db
    .select({ l: leadPractitioners, lead: users.name, agency: agencies.name })
    .from(leadPractitioners)
    .innerJoin(users, eq(users.id, leadPractitioners.userId))
    .innerJoin(agencies, eq(agencies.id, leadPractitioners.agencyId))
    .where(eq(leadPractitioners.childId, child.id))) {
    push(row.l.appointedAt, 'lead_practitioner_appointed', `${row.agency} appointed ${row.lead} as lead practitioner`, { reason: row.l.reason });
    if (row.l.endedAt) push(row.l.endedAt, 'lead_practitioner_ended', `${row.agency} ended ${row.lead}'s appointment as lead practitioner`);
  }

  const shares = await db
    .select({ s: shareLog, sender: users.name, agency: agencies.name })
    .from(shareLog)
    .innerJoin(users, eq(users.id, shareLog.senderId))
    .innerJoin(agencies, eq(agencies.id, shareLog.senderAgencyId))
    .where(eq(shareLog.childId, child.id));
  const participants = shares.length
    ? await db
        .select({ p: shareParticipants, name: users.name, agency: agencies.name })
        .from(shareParticipants)
        .innerJoin(agencies, eq(agencies.id, shareParticipants.agencyId))
        .leftJoin(users, eq(users.id, shareParticipants.userId))
        .where(
          inArray(
            shareParticipants.shareId,
            shares.map((s) => s.s.id),
          ),
        )
    : [];
  for (const { s, sender, agency } of shares) {
    const who = participants
      .filter((p) => p.p.shareId === s.id)
      .map((p) => (p.p.protectIdentity ? `${PROTECTED} (${p.agency})` : `${p.name ?? p.p.externalName ?? 'Unknown'} (${p.agency})`));
    push(s.occurredAt, `share_${s.kind}`, `${sender} (${agency}) — ${s.kind.replaceAll('_', ' ')}${who.length ? ` with ${who.join(', ')}` : ''}`, {
      record: s.record,
      summary: s.summary ? 'A summary exists, encrypted end to end; Haven cannot read it. A participant can provide it.' : null,
      correctionOf: s.correctsId,
    });
  }

  for (const row of await db
    .select({ m: messages, sender: users.name })
    .from(messages)
    .innerJoin(users, eq(users.id, messages.senderId))
    .where(eq(messages.childId, child.id))) {
    push(
      row.m.storedAt,
      row.m.revokedAt ? 'message_revoked' : 'message',
      `Secure message from ${row.sender}${row.m.revokedAt ? ' (revoked by the sender)' : ''}`,
      {
        content: 'Encrypted end to end; Haven cannot read it. A participant can provide it.',
        record: (row.m.header ?? (row.m.envelope?.['header'] as Record<string, unknown> | undefined))?.['record'] ?? null,
      },
    );
  }

  // Files: their names, types and content are inside the encrypted messages; Haven lists that they exist.
  for (const row of await db
    .select({ f: attachments, uploader: users.name })
    .from(attachments)
    .innerJoin(users, eq(users.id, attachments.uploaderId))
    .where(eq(attachments.childId, child.id))
    .orderBy(asc(attachments.createdAt))) {
    const state = row.f.deletedAt
      ? `deleted (${(row.f.deletedBecause ?? 'deleted').replaceAll('_', ' ')})`
      : row.f.messageId
        ? 'attached to a message'
        : row.f.shareId
          ? 'attached to a logged verbal share'
          : 'not yet sent';
    push(row.f.createdAt, 'attachment', `Encrypted file uploaded by ${row.uploader}: ${state}`, {
      fileId: row.f.id,
      messageId: row.f.messageId,
      ...(row.f.shareId ? { shareId: row.f.shareId } : {}),
      encryptedBytes: row.f.size,
      content: 'The file, its name and type are encrypted end to end; Haven cannot read them. A participant can provide them.',
    });
  }

  const accesses = await db
    .select({ a: auditEntries, actor: users.name, private: auditPrivate.detail })
    .from(auditEntries)
    .leftJoin(users, eq(users.id, auditEntries.actorId))
    .leftJoin(auditPrivate, eq(auditPrivate.seq, auditEntries.seq))
    .where(sql`${auditEntries.subjectId} = ${child.id} or ${auditEntries.detail} -> 'returned' ? ${child.id}`)
    .orderBy(asc(auditEntries.seq));
  for (const { a, actor, private: detail } of accesses) {
    const reason = detail && typeof detail.reason === 'string' ? detail.reason : null;
    push(a.at, 'access', `${actor ?? 'Haven'}: ${a.action.replaceAll('_', ' ').replace('.', ' — ')}${reason ? ` (reason: ${reason})` : ''}`);
  }

  events.sort((x, y) => x.at.localeCompare(y.at));
  const contacts = await db.select().from(specialistContacts).where(eq(specialistContacts.childId, child.id));
  return {
    generatedAt: now.toISOString(),
    child: {
      name: child.name,
      dateOfBirth: child.dateOfBirth,
      gender: child.gender,
      address: child.address,
      postcode: child.postcode,
      parents: child.parents.map((p) =>
        p.protectIdentity
          ? { name: PROTECTED, relationship: p.relationship, contact: null }
          : { name: p.name, relationship: p.relationship, contact: p.contact },
      ),
      schoolOrSetting: child.schoolOrSetting,
      gp: child.gp,
      healthVisitor: child.healthVisitor,
      specialistContacts: contacts
        .filter((c) => !c.removedAt)
        .map((c) => (c.shieldedAt ? { service: 'Withheld (shielded)', contact: null } : { service: c.service, contact: c.contact })),
      lastVerifiedAt: child.lastVerifiedAt.toISOString(),
    },
    events,
    notes: [
      'Message, summary and attached file content is end-to-end encrypted: Haven stores only ciphertext and cannot include it. The practitioners who took part can provide it.',
      'People marked "protect identity" are shown as [identity protected].',
      'Shielded specialist contacts are withheld.',
    ],
  };
}

import { z } from 'zod';
import { personName, reason, uuidParam } from '../shared/schemas';
import { sealedNote } from '../keys/keys.schema';
import { CONSENT_STATUSES, INFORMATION_KINDS, shareRecord } from './share-record';

const needToKnowReason = z.string().trim().min(10, 'Say in at least 10 characters why they need to know').max(1000).nullish();

/** A participant is a Haven user, or a named person of a registered agency — exactly one of the two. */
export const participant = z
  .strictObject({
    userId: uuidParam.optional(),
    externalName: personName.optional(),
    agencyId: uuidParam.optional(),
    needToKnowReason,
    /** Keep this person's identity out of subject-access output. */
    protectIdentity: z.boolean().optional(),
  })
  .superRefine((p, ctx) => {
    if (p.userId && (p.externalName || p.agencyId)) {
      ctx.addIssue({ code: 'custom', path: ['userId'], message: 'Choose a Haven user, or name someone outside Haven with their agency — not both' });
    } else if (!p.userId && !(p.externalName && p.agencyId)) {
      ctx.addIssue({ code: 'custom', path: ['externalName'], message: 'Choose a Haven user, or give the name and agency of the person' });
    }
  });

export type ParticipantInput = z.infer<typeof participant>;

const occurredAt = z.iso.datetime({ offset: true, message: 'Enter when it happened, as a date and time like 2026-11-26T10:30:00Z' });

/** The tier must match the child: offending-risk for a child a designated officer has marked, welfare otherwise. */
const tier = z.enum(['welfare', 'offending_risk'], { message: 'Choose the tier: welfare, or offending-risk for a child marked as at risk of offending' });

export const verbalShareBody = z.strictObject({
  /** Made by the client, so that a resent request never records the share twice; needed when there is a summary (it is sealed to this id). */
  id: uuidParam.optional(),
  occurredAt,
  tier,
  participants: z.array(participant).min(1, 'Add who you shared with').max(20, 'Record at most 20 people'),
  record: shareRecord,
  /** For a child at risk of offending a verbal share is allowed only in an emergency, and obliges a written record. */
  emergency: z.boolean().optional(),
  /** Optional summary, encrypted in the browser to the sender and every Haven user who took part. */
  summary: sealedNote.nullish(),
  /** The sender's finished uploads for this share (docs/attachments.md); their keys and names travel inside the summary. */
  attachments: z
    .array(uuidParam)
    .min(1, 'Leave out attachments when there are no files')
    .max(20, 'Attach at most 20 files')
    .refine((ids) => new Set(ids).size === ids.length, 'Name each file once')
    .optional(),
});

export const decisionRecord = z.strictObject({
  reason: z.string().trim().min(10, 'Explain in at least 10 characters why you decided not to share').max(2000),
  purpose: z.string().trim().min(10, 'Say in at least 10 characters what the information would have been for').max(2000),
  kindsOfInformation: z.array(z.enum(INFORMATION_KINDS)).min(1, 'Choose at least one kind of information'),
  wasRequest: z.boolean({ message: 'Say whether this was a request you declined' }),
  consentStatus: z.enum(CONSENT_STATUSES, { message: 'Say whether consent was given, refused or not sought' }),
});

export const decisionBody = z.strictObject({
  occurredAt,
  tier,
  /** Who asked, or who would have received the information. */
  participants: z.array(participant).max(20, 'Record at most 20 people').default([]),
  decision: decisionRecord,
});

export const reopenBody = z.strictObject({ reason });

export const correctionBody = z.strictObject({
  reason,
  /** The corrected entry, in the same shape as the original kind's body. */
  replacement: z.unknown(),
});

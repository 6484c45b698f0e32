import { describe, expect, it } from 'vitest';
import {
  canAttachToMessage,
  canAttachToVerbalShare,
  canDownloadAttachment,
  canUploadAttachment,
  canUploadForVerbalShare,
  canWriteAttachment,
  type Actor,
  type AttachmentFacts,
} from '../../server/policy';
import { A, code, signedA, unsignedA } from './policy-fixtures';

const actor = (id: string, status: Actor['status'] = 'verified', mfaEnrolled = true): Actor => ({ id, role: 'practitioner', agencyId: A, status, mfaEnrolled });
const unsent: AttachmentFacts = { uploaderId: 'jordan', threadId: 't1', childId: 'c1', messageId: null, shareId: null, readerIds: [] };
const sent: AttachmentFacts = { uploaderId: 'jordan', threadId: 't1', childId: 'c1', messageId: 'm1', shareId: null, readerIds: ['jordan', 'morgan'] };
// For a verbal share: no conversation; once logged, its readers are its recorder and the Haven users who took part.
const unsentForShare: AttachmentFacts = { uploaderId: 'jordan', threadId: null, childId: 'c1', messageId: null, shareId: null, readerIds: [] };
const logged: AttachmentFacts = { ...unsentForShare, shareId: 's1', readerIds: ['jordan', 'morgan'] };
const thread = { participantIds: ['jordan', 'morgan'] };

describe('uploading a file into a conversation', () => {
  it.each([
    ['participant who may share', actor('jordan'), signedA, 'allow'],
    ['someone outside the conversation', actor('alex'), signedA, 'not_a_participant'],
    ['participant whose verification expired (may read, not share)', actor('jordan', 'expired'), signedA, 'verification_expired'],
    ['participant without two-factor sign-in', actor('jordan', 'verified', false), signedA, 'mfa_not_enrolled'],
    ['participant whose agency has not signed', actor('jordan'), unsignedA, 'agency_not_signatory'],
    ['suspended participant', actor('jordan', 'suspended'), signedA, 'suspended'],
  ])('%s', (_, who, agency, expected) => {
    expect(code(canUploadAttachment(who, agency, thread))).toBe(expected);
  });
});

describe('adding to, finishing, cancelling or resuming an upload', () => {
  it.each([
    ['its uploader, before sending', actor('jordan'), unsent, 'allow'],
    ['another participant', actor('morgan'), unsent, 'not_the_uploader'],
    ['its uploader, after sending', actor('jordan'), sent, 'attachment_sent'],
    ['its uploader, for a verbal share, before logging', actor('jordan'), unsentForShare, 'allow'],
    ['its uploader, after the verbal share is logged', actor('jordan'), logged, 'attachment_sent'],
    ['a participant of the logged verbal share', actor('morgan'), logged, 'not_the_uploader'],
    ['its uploader, suspended', actor('jordan', 'suspended'), unsent, 'suspended'],
    ['its uploader, not yet verified', actor('jordan', 'pending'), unsent, 'not_verified'],
  ])('%s', (_, who, upload, expected) => {
    expect(code(canWriteAttachment(who, upload))).toBe(expected);
  });
});

describe('downloading a file', () => {
  it.each([
    ['uploader, before sending', actor('jordan'), unsent, 'allow'],
    ['another participant, before sending', actor('morgan'), unsent, 'not_a_reader'],
    ['a reader of the message', actor('morgan'), sent, 'allow'],
    ['the sender of the message', actor('jordan'), sent, 'allow'],
    ['someone who is not a reader', actor('alex'), sent, 'not_a_reader'],
    ['a reader whose verification expired (may still read)', actor('morgan', 'expired'), sent, 'allow'],
    ['a suspended reader', actor('morgan', 'suspended'), sent, 'suspended'],
    ['uploader, for a verbal share not yet logged', actor('jordan'), unsentForShare, 'allow'],
    ['someone else, for a verbal share not yet logged', actor('morgan'), unsentForShare, 'not_a_reader'],
    ['a Haven user who took part in the logged verbal share', actor('morgan'), logged, 'allow'],
    ['the recorder of the logged verbal share', actor('jordan'), logged, 'allow'],
    ['someone who took no part in the verbal share', actor('alex'), logged, 'not_a_reader'],
    ['a suspended participant of the verbal share', actor('morgan', 'suspended'), logged, 'suspended'],
  ])('%s', (_, who, upload, expected) => {
    expect(code(canDownloadAttachment(who, upload))).toBe(expected);
  });
});

describe('attaching uploads to a message', () => {
  it.each([
    ['own unsent uploads for this conversation', [unsent], 'allow'],
    ['someone else’s upload', [{ ...unsent, uploaderId: 'morgan' }], 'not_the_uploader'],
    ['an upload for another conversation', [{ ...unsent, threadId: 't2' }], 'attachment_other_thread'],
    ['an upload already sent', [sent], 'attachment_sent'],
    ['an upload made for a verbal share', [unsentForShare], 'attachment_other_thread'],
    ['an upload logged with a verbal share', [{ ...logged, threadId: 't1' }], 'attachment_sent'],
    ['one good and one bad', [unsent, { ...unsent, uploaderId: 'morgan' }], 'not_the_uploader'],
  ])('%s', (_, uploads, expected) => {
    expect(code(canAttachToMessage(actor('jordan'), { threadId: 't1' }, uploads))).toBe(expected);
  });
});

describe('uploading a file for a verbal share about a child', () => {
  const welfare = { offendingRisk: false, caseOfficerIds: [] };
  const marked = { offendingRisk: true, caseOfficerIds: ['dana'] };
  const officer = (id: string): Actor => ({ ...actor(id), role: 'designated_officer' });
  it.each([
    ['a practitioner who may share, welfare child', actor('jordan'), signedA, welfare, 'allow'],
    ['a practitioner whose verification expired', actor('jordan', 'expired'), signedA, welfare, 'verification_expired'],
    ['a practitioner without two-factor sign-in', actor('jordan', 'verified', false), signedA, welfare, 'mfa_not_enrolled'],
    ['a practitioner whose agency has not signed', actor('jordan'), unsignedA, welfare, 'agency_not_signatory'],
    ['a suspended practitioner', actor('jordan', 'suspended'), signedA, welfare, 'suspended'],
    ['an ordinary practitioner, child at risk of offending', actor('jordan'), signedA, marked, 'not_designated_officer'],
    ['a designated officer on the case', officer('dana'), signedA, marked, 'allow'],
    ['a designated officer not on the case', officer('sam'), signedA, marked, 'not_on_case'],
    ['a designated officer on the case, suspended', { ...officer('dana'), status: 'suspended' as const }, signedA, marked, 'suspended'],
  ])('%s', (_, who, agency, child, expected) => {
    expect(code(canUploadForVerbalShare(who, agency, child))).toBe(expected);
  });
});

describe('attaching uploads to a verbal share', () => {
  it.each([
    ['own unsent uploads for a verbal share about this child', [unsentForShare], 'allow'],
    ['someone else’s upload', [{ ...unsentForShare, uploaderId: 'morgan' }], 'not_the_uploader'],
    ['an upload made for a conversation', [unsent], 'attachment_other_thread'],
    ['an upload for a share about another child', [{ ...unsentForShare, childId: 'c2' }], 'attachment_other_child'],
    ['an upload already logged with another share', [logged], 'attachment_sent'],
    ['one good and one bad', [unsentForShare, { ...unsentForShare, childId: 'c2' }], 'attachment_other_child'],
  ])('%s', (_, uploads, expected) => {
    expect(code(canAttachToVerbalShare(actor('jordan'), { childId: 'c1' }, uploads))).toBe(expected);
  });
});

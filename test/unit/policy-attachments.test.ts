import { describe, expect, it } from 'vitest';
import { canAttachToMessage, canDownloadAttachment, canUploadAttachment, canWriteAttachment, type Actor, type AttachmentFacts } from '../../server/policy';
import { A, code, signedA, unsignedA } from './policy-fixtures';

const actor = (id: string, status: Actor['status'] = 'verified', mfaEnrolled = true): Actor => ({ id, role: 'practitioner', agencyId: A, status, mfaEnrolled });
const unsent: AttachmentFacts = { uploaderId: 'jordan', threadId: 't1', messageId: null, readerIds: [] };
const sent: AttachmentFacts = { uploaderId: 'jordan', threadId: 't1', messageId: 'm1', readerIds: ['jordan', 'morgan'] };
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
    ['one good and one bad', [unsent, { ...unsent, uploaderId: 'morgan' }], 'not_the_uploader'],
  ])('%s', (_, uploads, expected) => {
    expect(code(canAttachToMessage(actor('jordan'), { threadId: 't1' }, uploads))).toBe(expected);
  });
});

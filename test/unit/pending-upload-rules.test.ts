import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attachmentPaddedBytes } from '../../crypto';
import {
  PENDING_UPLOAD_KEPT_MS,
  damagedMessage,
  discardCancelsOnServer,
  goneReason,
  isFresh,
  offeredHere,
  readKeptUpload,
  recordProblems,
  refusalMessage,
  resumeRefusal,
  type PendingUpload,
  type ServerUpload,
} from '../../web/src/lib/pending-upload-rules';

// Which kept uploads the browser offers to resume, which it offers for discarding only, and whether
// the server's upload is the one a record describes (web/src/lib/pending-upload-rules.ts).
const NOW = Date.UTC(2026, 11, 5, 12);
const ID = '55555555-5555-4555-8555-555555555555';
const OTHER_ID = '66666666-6666-4666-8666-666666666666';
const JORDAN = '11111111-1111-4111-8111-111111111111';
const MORGAN = '22222222-2222-4222-8222-222222222222';
const THREAD = '33333333-3333-4333-8333-333333333333';
const CHILD = '44444444-4444-4444-8444-444444444444';

function record(over: Partial<Record<keyof PendingUpload, unknown>> = {}): Record<string, unknown> {
  return {
    id: ID,
    userId: JORDAN,
    target: { threadId: THREAD },
    file: new Blob([new Uint8Array(10)]),
    name: 'plan.pdf',
    type: 'application/pdf',
    size: 10,
    key: new Uint8Array(32),
    header: new Uint8Array(24),
    startedAt: NOW - 3_600_000,
    ...over,
  };
}

const whole = (value: Record<string, unknown> = record()): PendingUpload => {
  const kept = readKeptUpload(value, value['id']);
  if (!kept?.whole) throw new Error('not whole');
  return kept.upload;
};

describe('a stored record', () => {
  it('is read back whole when every part is there and agrees', () => {
    expect(recordProblems(record(), ID)).toEqual([]);
    expect(readKeptUpload(record(), ID)).toMatchObject({ whole: true, upload: { id: ID, size: 10 } });
    expect(readKeptUpload(record({ target: { childId: CHILD } }), ID)?.whole).toBe(true);
    expect(readKeptUpload(record({ file: new Blob([]), size: 0, type: '' }), ID)?.whole).toBe(true);
  });

  // Each of these says whose upload it is, for what and since when, so it is offered for discarding, with the reason.
  it.each([
    ['no file', record({ file: 'bytes' }), 'the file itself is missing'],
    ['a file smaller than recorded', record({ size: 11 }), 'the kept file is not the size recorded for it'],
    ['a file larger than recorded', record({ size: 9 }), 'the kept file is not the size recorded for it'],
    ['a size that is not a number', record({ size: '10' }), 'it has no valid file size'],
    ['a negative size', record({ size: -1, file: new Blob([]) }), 'it has no valid file size'],
    ['a fractional size', record({ size: 10.5 }), 'it has no valid file size'],
    ['a short key', record({ key: new Uint8Array(31) }), 'the file’s key is not 32 bytes'],
    ['a long key', record({ key: new Uint8Array(33) }), 'the file’s key is not 32 bytes'],
    ['a key that is not bytes', record({ key: 'AAAA' }), 'the file’s key is not 32 bytes'],
    ['a key as an array of numbers', record({ key: Array.from({ length: 32 }, () => 0) }), 'the file’s key is not 32 bytes'],
    ['no key', record({ key: undefined }), 'the file’s key is not 32 bytes'],
    ['a short header', record({ header: new Uint8Array(23) }), 'the encryption’s header is not 24 bytes'],
    ['a long header', record({ header: new Uint8Array(25) }), 'the encryption’s header is not 24 bytes'],
    ['a header that is not bytes', record({ header: new ArrayBuffer(24) }), 'the encryption’s header is not 24 bytes'],
    ['no name', record({ name: undefined }), 'it has no file name'],
    ['an empty name', record({ name: '' }), 'it has no file name'],
    ['no type', record({ type: 5 }), 'it has no file type'],
  ])('is offered for discarding only when it has %s', (_, value, problem) => {
    expect(recordProblems(value, ID)).toEqual([problem]);
    const kept = readKeptUpload(value, ID);
    expect(kept?.whole).toBe(false);
    if (kept?.whole !== false) return;
    expect(kept.upload).toMatchObject({ id: ID, userId: JORDAN, target: { threadId: THREAD }, problems: [problem] });
    expect(damagedMessage(kept.upload)).toBe(
      `This upload cannot be resumed: what this browser kept of it is damaged (${problem}). Discard it and attach the file again.`,
    );
  });

  it('keeps what a damaged record can still say, and lists every problem', () => {
    const kept = readKeptUpload(record({ key: new Uint8Array(1), header: new Uint8Array(1), size: 12 }), ID);
    expect(kept).toEqual({
      whole: false,
      upload: {
        id: ID,
        userId: JORDAN,
        target: { threadId: THREAD },
        startedAt: NOW - 3_600_000,
        name: 'plan.pdf',
        size: 12,
        problems: ['the kept file is not the size recorded for it', 'the file’s key is not 32 bytes', 'the encryption’s header is not 24 bytes'],
      },
    });
    const nameless = readKeptUpload(record({ name: 7, size: 'x' }), ID);
    expect(nameless?.upload).toMatchObject({ name: null, size: null });
  });

  // Without these it cannot be offered to anyone, or not safely discarded: it is dropped.
  it.each([
    ['not an object', 'x', ID],
    ['null', null, ID],
    ['no id', record({ id: undefined }), ID],
    ['an id that is not a uuid', record({ id: 'abc' }), 'abc'],
    ['an id other than the key it is stored under', record(), OTHER_ID],
    ['no user', record({ userId: '' }), ID],
    ['a user that is not a uuid', record({ userId: 'jordan' }), ID],
    ['a target naming both', record({ target: { threadId: THREAD, childId: CHILD } }), ID],
    ['a target naming neither', record({ target: {} }), ID],
    ['a target that is not a uuid', record({ target: { threadId: 'x' } }), ID],
    ['a target that is not an object', record({ target: THREAD }), ID],
    ['no start time', record({ startedAt: Number.NaN }), ID],
    ['an infinite start time', record({ startedAt: Number.POSITIVE_INFINITY }), ID],
    ['a start time as text', record({ startedAt: '2026-12-05' }), ID],
  ])('is dropped when it has %s', (_, value, key) => {
    expect(readKeptUpload(value, key)).toBeNull();
    expect(recordProblems(value, key)).not.toEqual([]);
  });

  it('says what is wrong with a record it cannot read at all', () => {
    expect(recordProblems('x', ID)).toEqual(['it is not a record']);
    expect(recordProblems(record(), OTHER_ID)).toEqual(['it is stored under another upload’s id']);
  });

  it('never reads a record as whole when any part of it is changed', () => {
    const parts = {
      id: fc.oneof(fc.constant(ID), fc.uuid(), fc.string()),
      key: fc.oneof(fc.constant(new Uint8Array(32)), fc.uint8Array({ maxLength: 40 })),
      header: fc.oneof(fc.constant(new Uint8Array(24)), fc.uint8Array({ maxLength: 40 })),
      size: fc.oneof(fc.constant(10), fc.integer({ min: -5, max: 40 })),
      fileSize: fc.oneof(fc.constant(10), fc.nat(40)),
    };
    fc.assert(
      fc.property(fc.record(parts), ({ id, key, header, size, fileSize }) => {
        const value = record({ id, key, header, size, file: new Blob([new Uint8Array(fileSize)]) });
        const agrees = id === ID && key.length === 32 && header.length === 24 && size === fileSize;
        expect(readKeptUpload(value, ID)?.whole ?? false).toBe(agrees);
        expect(recordProblems(value, ID).length === 0).toBe(agrees);
      }),
    );
  });
});

describe('offering a record on a screen', () => {
  const upload = whole();
  it('offers it to the person who started it, on the same conversation, within 24 hours', () => {
    expect(offeredHere(upload, { userId: JORDAN, target: { threadId: THREAD }, now: NOW })).toBe(true);
  });
  it.each([
    ['to someone else signed in on the same browser', { userId: MORGAN, target: { threadId: THREAD }, now: NOW }],
    ['on another conversation', { userId: JORDAN, target: { threadId: CHILD }, now: NOW }],
    ['on a verbal share about a child', { userId: JORDAN, target: { childId: THREAD }, now: NOW }],
    ['once the server has swept it (24 hours)', { userId: JORDAN, target: { threadId: THREAD }, now: upload.startedAt + PENDING_UPLOAD_KEPT_MS }],
    ['when it claims to start in the future', { userId: JORDAN, target: { threadId: THREAD }, now: upload.startedAt - 120_000 }],
  ])('does not offer it %s', (_, here) => {
    expect(offeredHere(upload, here)).toBe(false);
  });
  it('offers a verbal share’s record on the form for that child only', () => {
    const forChild = whole(record({ target: { childId: CHILD } }));
    expect(offeredHere(forChild, { userId: JORDAN, target: { childId: CHILD }, now: NOW })).toBe(true);
    expect(offeredHere(forChild, { userId: JORDAN, target: { threadId: CHILD }, now: NOW })).toBe(false);
  });
  it('is fresh up to just under 24 hours, and up to a minute ahead of this clock', () => {
    expect(isFresh({ startedAt: NOW }, NOW + PENDING_UPLOAD_KEPT_MS - 1)).toBe(true);
    expect(isFresh({ startedAt: NOW }, NOW + PENDING_UPLOAD_KEPT_MS)).toBe(false);
    expect(isFresh({ startedAt: NOW + 60_000 }, NOW)).toBe(true);
    expect(isFresh({ startedAt: NOW + 60_001 }, NOW)).toBe(false);
  });
});

/** The server's view of the kept upload `whole()`: the same id, conversation, child and padded size, nothing received. */
function serverUploadOf(padded: number, over: Partial<ServerUpload> = {}): ServerUpload {
  return { id: ID, threadId: THREAD, childId: CHILD, size: padded, received: 0, complete: false, sent: false, ...over };
}

describe('checking a kept record against the server’s upload before resuming', () => {
  const upload = whole();
  const padded = attachmentPaddedBytes(upload.size);
  const server = (over: Partial<ServerUpload> = {}) => serverUploadOf(padded, over);

  it('resumes an upload that is the one kept, at any offset up to its size', () => {
    for (const received of [0, 1, padded - 1, padded]) expect(resumeRefusal(upload, padded, server({ received }))).toBeNull();
  });
  it('resumes a finished upload that was never sent (nothing is sent again; the descriptor is made again)', () => {
    expect(resumeRefusal(upload, padded, server({ received: padded, complete: true }))).toBeNull();
  });
  it('resumes a verbal share’s upload for the same child', () => {
    const forChild = whole(record({ target: { childId: CHILD } }));
    expect(resumeRefusal(forChild, padded, server({ threadId: null }))).toBeNull();
  });

  it.each([
    ['another upload', server({ id: OTHER_ID }), 'Haven answered about another upload'],
    ['one already sent', server({ sent: true, complete: true, received: padded }), 'it has already been sent'],
    ['one for another conversation', server({ threadId: OTHER_ID }), 'Haven has it for another conversation or child'],
    ['one for a verbal share', server({ threadId: null }), 'Haven has it for another conversation or child'],
    ['one of another size', server({ size: padded + 1 }), 'the file kept in this browser is not the size Haven expects'],
    ['a smaller one', server({ size: padded - 1 }), 'the file kept in this browser is not the size Haven expects'],
    ['one holding more than the kept file encrypts to', server({ received: padded + 1 }), 'Haven holds more of it than the kept file encrypts to'],
  ])('refuses %s', (_, answer, reason) => {
    expect(resumeRefusal(upload, padded, answer)).toBe(reason);
  });

  it('refuses a verbal share’s record when the server has it for another child or for a conversation', () => {
    const forChild = whole(record({ target: { childId: CHILD } }));
    expect(resumeRefusal(forChild, padded, server({ threadId: null, childId: OTHER_ID }))).toBe('Haven has it for another conversation or child');
    expect(resumeRefusal(forChild, padded, server({ threadId: THREAD }))).toBe('Haven has it for another conversation or child');
  });

  it.each([
    [404, 'attachment_not_found', 'Haven no longer has it'],
    [410, 'attachment_deleted', 'Haven deleted it (it was cancelled, or not sent within 24 hours)'],
    [403, 'attachment_sent', 'it has already been sent'],
    [403, 'not_the_uploader', 'it is not your upload'],
    [403, 'account_suspended', 'you may no longer add to it'],
  ])('reads %i %s as an upload that cannot be resumed', (status, code, reason) => {
    expect(goneReason(status, code)).toBe(reason);
  });
  it.each([
    [0, 'network_error'],
    [500, 'internal'],
    [503, 'unavailable'],
    [401, 'not_signed_in'],
    [409, 'wrong_offset'],
    [429, 'rate_limited'],
  ])('does not read %i %s as gone (the upload may still be there)', (status, code) => {
    expect(goneReason(status, code)).toBeNull();
  });
  it('says why in a sentence that offers discarding', () => {
    expect(refusalMessage('it has already been sent')).toBe('This upload cannot be resumed: it has already been sent. Discard it and attach the file again.');
  });
});

describe('discarding a kept record', () => {
  const upload = whole();
  const padded = attachmentPaddedBytes(upload.size);
  const server = (over: Partial<ServerUpload> = {}) => serverUploadOf(padded, { received: 5, ...over });

  it('cancels the server’s upload when it is the one the record describes', () => {
    expect(discardCancelsOnServer(upload, padded, server())).toBe(true);
    expect(discardCancelsOnServer(upload, padded, server({ complete: true, received: padded }))).toBe(true);
    // A damaged record without a size: the id and target still have to agree.
    expect(discardCancelsOnServer(upload, null, server({ size: padded * 2 }))).toBe(true);
  });
  it.each([
    ['another upload', server({ id: OTHER_ID })],
    ['one already sent', server({ sent: true })],
    ['one for another conversation', server({ threadId: OTHER_ID })],
    ['one for a verbal share', server({ threadId: null })],
    ['one of another size', server({ size: padded + 1 })],
  ])('leaves %s to the server (deleted unsent after 24 hours)', (_, answer) => {
    expect(discardCancelsOnServer(upload, padded, answer)).toBe(false);
  });
});

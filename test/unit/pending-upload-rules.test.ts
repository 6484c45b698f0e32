import { describe, expect, it } from 'vitest';
import { PENDING_UPLOAD_KEPT_MS, asPendingUpload, isFresh, offeredHere, type PendingUpload } from '../../web/src/lib/pending-upload-rules';

// Which uploads cut off by a closed page the browser offers to resume (web/src/lib/pending-upload-rules.ts).
const NOW = Date.UTC(2026, 11, 5, 12);
const JORDAN = '11111111-1111-4111-8111-111111111111';
const MORGAN = '22222222-2222-4222-8222-222222222222';
const THREAD = '33333333-3333-4333-8333-333333333333';
const CHILD = '44444444-4444-4444-8444-444444444444';

function record(over: Partial<Record<keyof PendingUpload, unknown>> = {}): Record<string, unknown> {
  return {
    id: '55555555-5555-4555-8555-555555555555',
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

describe('a stored record', () => {
  it('is read back when whole', () => {
    expect(asPendingUpload(record())).not.toBeNull();
    expect(asPendingUpload(record({ target: { childId: CHILD } }))).not.toBeNull();
  });

  it.each([
    ['not an object', 'x'],
    ['no id', record({ id: undefined })],
    ['an id that is not a uuid', record({ id: 'abc' })],
    ['no user', record({ userId: '' })],
    ['a target naming both', record({ target: { threadId: THREAD, childId: CHILD } })],
    ['a target naming neither', record({ target: {} })],
    ['a target that is not a uuid', record({ target: { threadId: 'x' } })],
    ['no file', record({ file: 'bytes' })],
    ['a file of another size than recorded', record({ size: 11 })],
    ['a negative size', record({ size: -1, file: new Blob([]) })],
    ['a short key', record({ key: new Uint8Array(31) })],
    ['a key that is not bytes', record({ key: 'AAAA' })],
    ['a long header', record({ header: new Uint8Array(25) })],
    ['no start time', record({ startedAt: Number.NaN })],
  ])('is dropped when it has %s', (_, value) => {
    expect(asPendingUpload(value)).toBeNull();
  });
});

describe('offering a record on a screen', () => {
  const upload = asPendingUpload(record()) as PendingUpload;
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
  it('is fresh up to just under 24 hours', () => {
    expect(isFresh({ startedAt: NOW }, NOW + PENDING_UPLOAD_KEPT_MS - 1)).toBe(true);
    expect(isFresh({ startedAt: NOW }, NOW + PENDING_UPLOAD_KEPT_MS)).toBe(false);
  });
});

// Writing one message in a conversation: the text, its share record, and — for a correction —
// the message it corrects and why. Sealing happens here, on this device, only after every
// recipient's keys were checked against the key log (key-log.svelte.ts).
import type { EnvelopeHeader } from '../../../crypto';
import { checkShareRecord, type ShareRecord } from '../../../server/shares/share-record';
import { ApiError } from './api';
import { RECORD_FIELDS, ShareRecordDraft } from './consent-form.svelte';
import { clearDraft, readDraft, writeDraft } from './conversation-memory';
import { FormState, type FieldErrors } from './form.svelte';
import { KeyCheckError, keyLog } from './key-log.svelte';
import { identityKeys } from './keys.svelte';
import { messaging, type SendOptions } from './messaging.svelte';
import { newId } from './share-form.svelte';
import type { Thread } from './types';
import { isoInstant } from './validate';
import { OutgoingFiles } from './attachments.svelte';

export const MESSAGE_MAX = 10_000;
const FIELDS = ['body', 'attachments', 'correctionReason', ...RECORD_FIELDS];

export class ComposeForm {
  readonly form = new FormState('compose', FIELDS);
  readonly record = new ShareRecordDraft();
  text = $state('');
  /** Files attached to the message being written: each encrypted and uploaded as soon as it is chosen. */
  readonly files: OutgoingFiles = new OutgoingFiles(() => ({ threadId: this.thread.id }));
  /** The message being corrected, when this is a correction. */
  corrects = $state<string | null>(null);
  correctionReason = $state('');
  /** How the last message went: stored (`sent`), or waiting for the connection (`queued`). */
  outcome = $state<'sent' | 'queued' | null>(null);
  /**
   * Whether the share record to start from is known (the conversation's messages opened here, or
   * the record it was started with): until then Send waits, rather than send with a blank record.
   */
  ready = $state(false);

  constructor(
    private thread: Thread,
    private readonly me: string,
  ) {
    this.text = readDraft(me, thread.id);
  }

  /** Keeps what is being written for a reload (sessionStorage; gone with the tab or at sign-out). */
  keepDraft(): void {
    writeDraft(this.me, this.thread.id, this.text);
  }

  /** Someone joined: later messages are sealed to them too. */
  conversationChanged(thread: Thread): void {
    this.thread = thread;
  }

  /**
   * Starts from a record already used in this conversation, `from` saying which in words (the
   * user can change any of it); Send is ready from then on.
   */
  prefill(record: ShareRecord | null, from: string | null = null): void {
    if (record && this.record.consentStatus === '') this.record.fill(record, from);
    this.ready = true;
  }

  startCorrection(id: string): void {
    this.corrects = id;
    this.correctionReason = '';
    this.outcome = null;
  }

  cancelCorrection(): void {
    this.corrects = null;
    this.correctionReason = '';
  }

  /** Everyone else in the conversation, who will receive the message. */
  get recipients(): { id: string; name: string }[] {
    return this.thread.participants.filter((p) => p.id !== this.me);
  }

  submit(): Promise<boolean> {
    this.outcome = null;
    return this.form.submit(
      () => this.check(),
      async () => {
        const outcome = await this.send();
        this.text = '';
        this.files.clear();
        clearDraft(this.me, this.thread.id);
        this.cancelCorrection();
        this.outcome = outcome;
      },
    );
  }

  private check(): FieldErrors {
    const errors: FieldErrors = {};
    const text = this.text.trim();
    if (!text && this.files.list.length === 0) errors['body'] = 'Enter your message';
    else if ([...text].length > MESSAGE_MAX) errors['body'] = `The message must be ${MESSAGE_MAX.toLocaleString('en-GB')} characters or fewer`;
    const files = this.files.problem();
    if (files) errors['attachments'] = files;
    if (this.corrects && this.correctionReason.trim().length < 5) errors['correctionReason'] = 'Say why you are correcting the earlier message';
    Object.assign(errors, this.record.errors());
    return Object.fromEntries(FIELDS.flatMap((name) => (errors[name] ? [[name, errors[name]]] : [])));
  }

  private async send(): Promise<'sent' | 'queued'> {
    const sealed = await this.files.seal(this.record.input(), this.text.trim());
    const checked = checkShareRecord(sealed.record);
    if (!checked.ok) throw new Error('checked before sending');
    return sealAndSend({
      threadId: this.thread.id,
      childId: this.thread.childId,
      me: this.me,
      recipients: this.recipients,
      kind: 'message',
      tier: 'welfare',
      record: checked.record,
      text: sealed.text,
      corrects: this.corrects,
      correctionReason: this.corrects ? this.correctionReason.trim() : null,
      ...(sealed.attachments.length ? { options: { attachments: sealed.attachments } } : {}),
    });
  }
}

export interface Outgoing {
  threadId: string;
  childId: string;
  me: string;
  recipients: { id: string; name: string }[];
  kind: EnvelopeHeader['kind'];
  tier: EnvelopeHeader['tier'];
  record: ShareRecord;
  text: string;
  corrects?: string | null;
  correctionReason?: string | null;
  options?: SendOptions;
  /**
   * A written record goes to the officers who have keys and waits, signed as pending (envelope v3),
   * for those who have not set any up yet; a message goes to everyone or nobody.
   */
  mayLeavePending?: boolean;
}

/** What was sealed and sent, and who it waits for (by name): nobody, except for a written record filed before someone had keys. */
export interface Sent {
  state: 'sent' | 'queued';
  waitingFor: string[];
}

/**
 * Seals `text` on this device to each recipient, after checking every recipient's keys against
 * the key log, and sends it. Used for messages and for the special file's written records.
 */
export async function sealAndSend(out: Outgoing): Promise<'sent' | 'queued'> {
  return (await sealAndSendTo(out)).state;
}

/** sealAndSend, saying who a written record still waits for. */
export async function sealAndSendTo(out: Outgoing): Promise<Sent> {
  const noun = out.kind === 'written_record' ? 'written record' : 'message';
  if (!identityKeys.ready) throw refusal(`Your encryption keys are not in this browser, so a ${noun} cannot be encrypted here. See your Haven home page.`);
  const blocked = () => keyLog.pendingFor(out.recipients.map((p) => p.id));
  if (blocked().length > 0) throw refusal(changedMessage(blocked()));
  let verified;
  let missing: { id: string; name: string }[];
  try {
    ({ verified, missing } = out.mayLeavePending
      ? await keyLog.verifyPublished(out.recipients)
      : { verified: await keyLog.verify(out.recipients), missing: [] });
  } catch (error) {
    if (error instanceof KeyCheckError) throw refusal(error.message);
    throw error;
  }
  if (blocked().length > 0) throw refusal(changedMessage(blocked()));
  const unvouched = verified.filter((k) => !k.trust.vouched);
  // The special file takes no shortcut: only keys a certified admin confirmed get a written record.
  if (out.tier === 'offending_risk' && unvouched.length > 0) throw refusal(unconfirmedForRecord(unvouched));
  const unaccepted = keyLog.unconfirmedFor(unvouched.map((k) => k.userId));
  if (unaccepted.length > 0) throw refusal(unconfirmedMessage(unaccepted));
  const sorted = [...verified].sort((a, b) => (a.userId < b.userId ? -1 : 1));
  const pending = missing.map((p) => p.id).sort();
  // v2: the newest key-log head this device checked travels signed, so readers can compare logs (docs/envelope.md).
  const common = {
    keyLogHead: await keyLog.newestHead(),
    id: newId(),
    kind: out.kind,
    threadId: out.threadId,
    childId: out.childId,
    senderId: out.me,
    senderKeyFingerprint: identityKeys.fingerprint ?? '',
    recipients: sorted.map((k) => ({ userId: k.userId, keyFingerprint: k.fingerprint })),
    tier: out.tier,
    record: out.record,
    sentAt: isoInstant(Date.now()),
    replyTo: null,
    corrects: out.corrects ?? null,
    correctionReason: out.correctionReason ?? null,
  };
  // v3 when someone waits for keys: the header names them, signed, so the server cannot add or drop one.
  const header: EnvelopeHeader = pending.length > 0 ? { v: 3, ...common, pending } : { v: 2, ...common };
  const envelope = identityKeys.sealMessage(
    header,
    out.text,
    sorted.map((k) => ({ userId: k.userId, boxPublicKey: k.boxPublicKey })),
  );
  const status = await messaging.send(out.threadId, envelope, out.options);
  if (status.state === 'refused') throw refusal(`Your ${noun} was not sent. ${status.message}`);
  return { state: status.state === 'sent' ? 'sent' : 'queued', waitingFor: missing.map((p) => p.name) };
}

function refusal(message: string): ApiError {
  return new ApiError(0, 'not_sent', message);
}

const names = (people: { name: string }[]) => people.map((p) => p.name).join(' and ');

function unconfirmedForRecord(people: { name: string }[]): string {
  return `${names(people)}’s agency has not yet confirmed ${people.length === 1 ? 'their' : 'these'} security keys, and a written record goes only to confirmed keys. Ask their agency’s Haven admin to confirm them. Nothing was sent.`;
}

function unconfirmedMessage(people: { name: string }[]): string {
  return `${names(people)}’s agency has not yet confirmed ${people.length === 1 ? 'their' : 'these'} security keys. Compare the safety number above before you send. Nothing was sent.`;
}

function changedMessage(changes: { name: string }[]): string {
  return `${changes.map((c) => c.name).join(' and ')} ${changes.length === 1 ? 'has' : 'have'} new security keys. Check and accept the change above before you send. Nothing was sent.`;
}

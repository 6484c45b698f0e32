// "File a written record" in a child's special file: what was shared, the day it was shared and
// the share record, sealed on this device to the other officers on the case (keys checked
// against the key log, as for messages) and sent over the socket. Filed for an obligation from
// an emergency verbal share, it discharges that obligation in the same step.
import { checkShareRecord } from '../../../server/shares/share-record';
import { ApiError } from './api';
import { sealAndSendTo } from './compose.svelte';
import { RECORD_FIELDS, ShareRecordDraft } from './consent-form.svelte';
import { FormState, type FieldErrors } from './form.svelte';
import { obligationState } from './obligations.svelte';
import type { SpecialFileView } from './offending.svelte';
import { todayIso } from './validate';
import { OutgoingFiles } from './attachments.svelte';

export const INFORMATION_MAX = 10_000;
const FIELDS = ['information', 'sharedOn', 'attachments', ...RECORD_FIELDS];

/** What a written record holds, encrypted: the information and the day it was shared. Versioned so it can change. */
export interface WrittenRecordBody {
  sharedOn: string;
  information: string;
}

export function writeRecordBody(body: WrittenRecordBody): string {
  return JSON.stringify({ v: 1, sharedOn: body.sharedOn, information: body.information });
}

/** The record's parts, or null for a body in no known format (shown as plain text). */
export function readRecordBody(text: string): WrittenRecordBody | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const { v, sharedOn, information } = value as Record<string, unknown>;
    return v === 1 && typeof sharedOn === 'string' && typeof information === 'string' ? { sharedOn, information } : null;
  } catch {
    return null;
  }
}

export class WrittenRecordForm {
  readonly form = new FormState('written-record', FIELDS);
  readonly record = new ShareRecordDraft();
  information = $state('');
  sharedOn = $state(todayIso());
  outcome = $state<'sent' | 'queued' | null>(null);
  /** Officers on the case the last record waits for: they had no encryption keys when it was filed. */
  waitingFor = $state<string[]>([]);
  /** Documents filed with the record: each encrypted and uploaded to the special file as soon as it is chosen. */
  readonly files: OutgoingFiles = new OutgoingFiles(() => ({ threadId: this.file.fileId ?? '' }));

  constructor(
    private readonly file: SpecialFileView,
    /** The open obligation this record is filed for, if any. */
    readonly obligationId: string | null,
  ) {}

  submit(): Promise<boolean> {
    this.outcome = null;
    this.waitingFor = [];
    return this.form.submit(
      () => this.check(),
      async () => {
        const fileId = this.file.fileId;
        const recipients = this.file.others;
        if (!fileId) throw new Error('the special file is not loaded');
        if (recipients.length === 0)
          throw new ApiError(0, 'no_recipients', 'Add another designated officer to the case before you file a written record. Nothing was filed.');
        const sealed = await this.files.seal(this.record.input(), writeRecordBody({ sharedOn: this.sharedOn, information: this.information.trim() }));
        const checked = checkShareRecord(sealed.record);
        if (!checked.ok) throw new Error('checked before sending');
        const sent = await sealAndSendTo({
          threadId: fileId,
          childId: this.file.childId,
          me: this.file.me,
          recipients,
          kind: 'written_record',
          tier: 'offending_risk',
          record: checked.record,
          text: sealed.text,
          options: {
            ...(this.obligationId ? { dischargesObligationId: this.obligationId } : {}),
            ...(sealed.attachments.length ? { attachments: sealed.attachments } : {}),
          },
          mayLeavePending: true,
        });
        this.outcome = sent.state;
        this.waitingFor = sent.waitingFor;
        this.information = '';
        this.files.clear();
        if (this.obligationId) await obligationState.loadMine();
      },
    );
  }

  private check(): FieldErrors {
    const errors: FieldErrors = {};
    const information = this.information.trim();
    if (!information) errors['information'] = 'Enter the information that was shared';
    else if ([...information].length > INFORMATION_MAX)
      errors['information'] = `The information must be ${INFORMATION_MAX.toLocaleString('en-GB')} characters or fewer`;
    const files = this.files.problem();
    if (files) errors['attachments'] = files;
    if (!this.sharedOn) errors['sharedOn'] = 'Enter the date the information was shared';
    else if (this.sharedOn > todayIso()) errors['sharedOn'] = 'The date must be today or in the past';
    Object.assign(errors, this.record.errors());
    return Object.fromEntries(FIELDS.flatMap((name) => (errors[name] ? [[name, errors[name]]] : [])));
  }
}

// "Start a conversation" about the child whose record is open: Haven users who will take part
// (with why they need to know when their agency is not involved) and the share record. Starting
// it is itself a recorded share; messages follow over the socket.
import { checkShareRecord } from '../../../server/shares/share-record';
import { threads as threadsApi } from './api';
import { RECORD_FIELDS, recordField, ShareRecordDraft } from './consent-form.svelte';
import { FormState, type FieldErrors } from './form.svelte';
import { rememberStartRecord } from './conversation-memory';
import { messaging } from './messaging.svelte';
import { ParticipantList } from './participants.svelte';
import { PARTICIPANT_FIELDS, checkParticipants, withFieldPaths } from './share-form.svelte';
import type { Child } from './types';

const FIELDS = [...PARTICIPANT_FIELDS, ...RECORD_FIELDS];

export class StartThreadForm {
  readonly form = new FormState('start-conversation', FIELDS);
  readonly participants: ParticipantList;
  readonly record = new ShareRecordDraft();

  constructor(
    readonly child: Child,
    private readonly me: string,
  ) {
    this.participants = new ParticipantList(
      'share',
      child.involvements.map((i) => i.agency.id),
      me,
    );
  }

  /** The new conversation's id, or null when it was not started (errors shown). */
  async submit(): Promise<string | null> {
    let id: string | null = null;
    await this.form.submit(
      () => this.check(),
      async () => {
        const checked = checkShareRecord(this.record.input());
        if (!checked.ok) throw new Error('checked before sending');
        const body = { participants: this.participants.body().filter((p) => p.userId), record: checked.record };
        try {
          const { thread } = await threadsApi.start(this.child.id, body);
          messaging.startRecords.set(thread.id, checked.record);
          await rememberStartRecord(this.me, thread.id, checked.record).catch(() => undefined);
          id = thread.id;
        } catch (error) {
          throw withFieldPaths(error, (path) => recordField(path.replace(/^record\./, '')));
        }
      },
    );
    return id;
  }

  private check(): FieldErrors {
    const errors: FieldErrors = {};
    checkParticipants(errors, this.participants, 'Add who will take part in the conversation');
    const outside = this.participants.list.filter((p) => !p.userId);
    if (outside.length > 0) errors['participants'] = 'Only Haven users can take part in a conversation';
    const keyless = this.participants.withoutKeys;
    if (keyless.length > 0 && !errors['participants'])
      errors['participants'] = `${keyless.map((p) => p.name).join(' and ')} cannot receive encrypted messages yet: they have not set up encryption keys`;
    Object.assign(errors, this.record.errors());
    return Object.fromEntries(FIELDS.flatMap((name) => (errors[name] ? [[name, errors[name]]] : [])));
  }
}

// "Add someone to this conversation": one Haven user at a time, with why they need to know when
// their agency is not involved with the child, and the share record. Adding them is itself a
// recorded share (they learn who the child is); later messages are sealed to them too.
import { checkShareRecord } from '../../../server/shares/share-record';
import { threads as threadsApi } from './api';
import { RECORD_FIELDS, recordField, ShareRecordDraft } from './consent-form.svelte';
import { FormState, type FieldErrors } from './form.svelte';
import { ParticipantList } from './participants.svelte';
import { PARTICIPANT_FIELDS, checkParticipants, withFieldPaths } from './share-form.svelte';
import type { Thread } from './types';

const FIELDS = [...PARTICIPANT_FIELDS, ...RECORD_FIELDS];

export class AddParticipantForm {
  readonly form = new FormState('add-participant', FIELDS);
  readonly participants: ParticipantList;
  readonly record = new ShareRecordDraft();

  constructor(
    private readonly thread: Thread,
    /** Agencies recorded as providing a service to the child, when this device has the child's record open; else none (a reason is asked for). */
    involvedAgencies: readonly string[],
    me: string,
  ) {
    this.participants = new ParticipantList('share', involvedAgencies, me);
  }

  /** The name of the person added, or null when nobody was (errors shown). */
  async submit(): Promise<string | null> {
    let added: string | null = null;
    await this.form.submit(
      () => this.check(),
      async () => {
        const checked = checkShareRecord(this.record.input());
        const [person] = this.participants.body();
        const draft = this.participants.list[0];
        if (!checked.ok || !person?.userId || !draft) throw new Error('checked before sending');
        try {
          await threadsApi.addParticipant(this.thread.id, { userId: person.userId, needToKnowReason: person.needToKnowReason, record: checked.record });
        } catch (error) {
          throw withFieldPaths(error, (path) => (path === 'needToKnowReason' ? 'participants-0-needToKnowReason' : recordField(path.replace(/^record\./, ''))));
        }
        added = draft.name;
        this.participants.list = [];
      },
    );
    return added;
  }

  private check(): FieldErrors {
    const errors: FieldErrors = {};
    checkParticipants(errors, this.participants, 'Find and add the person to add to the conversation');
    const [first, ...more] = this.participants.list;
    if (more.length > 0) errors['participants'] = 'Add one person at a time';
    else if (first && !first.userId) errors['participants'] = 'Only Haven users can take part in a conversation';
    else if (first && this.thread.participants.some((p) => p.id === first.userId)) errors['participants'] = `${first.name} is already in this conversation`;
    else if (first && !first.hasKeys) errors['participants'] = `${first.name} cannot receive encrypted messages yet: they have not set up encryption keys`;
    Object.assign(errors, this.record.errors());
    return Object.fromEntries(FIELDS.flatMap((name) => (errors[name] ? [[name, errors[name]]] : [])));
  }
}

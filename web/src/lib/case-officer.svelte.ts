// "Add a designated officer" to a child's offending-risk case: a designated officer found by name,
// and the share record for giving them the special file (adding them is itself a share).
import { checkShareRecord } from '../../../server/shares/share-record';
import { offending as api } from './api';
import { RECORD_FIELDS, recordField, ShareRecordDraft } from './consent-form.svelte';
import { FormState, type FieldErrors } from './form.svelte';
import { offendingRisk } from './offending.svelte';
import { ParticipantList } from './participants.svelte';
import { withFieldPaths } from './share-form.svelte';

const FIELDS = ['participants', ...RECORD_FIELDS];

export class CaseOfficerForm {
  readonly form = new FormState('case-officer', FIELDS);
  readonly participants: ParticipantList;
  readonly record = new ShareRecordDraft();
  /** Names added by the last submit, for the success message. */
  added = $state<string[]>([]);

  constructor(
    private readonly childId: string,
    me: string,
  ) {
    this.participants = new ParticipantList('officer', [], me);
    this.participants.onlyRole = 'designated_officer';
  }

  submit(): Promise<boolean> {
    this.added = [];
    return this.form.submit(
      () => this.check(),
      async () => {
        const checked = checkShareRecord(this.record.input());
        if (!checked.ok) throw new Error('checked before sending');
        for (const person of [...this.participants.list]) {
          if (!person.userId) continue;
          try {
            const { officerIds } = await api.addOfficer(this.childId, { userId: person.userId, record: checked.record });
            offendingRisk.officers[this.childId] = officerIds;
          } catch (error) {
            throw withFieldPaths(error, (path) => recordField(path.replace(/^record\./, '')));
          }
          offendingRisk.remember([{ id: person.userId, name: person.name }]);
          this.added = [...this.added, person.name];
          this.participants.list.splice(this.participants.list.indexOf(person), 1);
        }
      },
    );
  }

  private check(): FieldErrors {
    const errors: FieldErrors = {};
    const onCase = offendingRisk.officers[this.childId] ?? [];
    if (this.participants.list.length === 0) errors['participants'] = 'Find and add the designated officer to put on the case';
    else if (this.participants.list.some((p) => p.userId && onCase.includes(p.userId))) errors['participants'] = 'Someone you added is already on the case';
    Object.assign(errors, this.record.errors());
    return Object.fromEntries(FIELDS.flatMap((name) => (errors[name] ? [[name, errors[name]]] : [])));
  }
}

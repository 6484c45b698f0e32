// "Record a verbal share": who was told, when, on what footing (the share record), and an
// optional summary encrypted on this device to the sender and each Haven user who took part.
// The entry's id is made when the form opens and kept, so a retry after a lost answer finds
// the entry already recorded instead of recording it twice.
import type { SealedNoteV2 } from '../../../crypto';
import { checkShareRecord } from '../../../server/shares/share-record';
import { ApiError, keys as keysApi } from './api';
import { RECORD_FIELDS, recordField, ShareRecordDraft } from './consent-form.svelte';
import { FormState, type FieldErrors } from './form.svelte';
import { identityKeys } from './keys.svelte';
import { ParticipantList } from './participants.svelte';
import { PARTICIPANT_FIELDS, WhenDraft, checkParticipants, newId, withFieldPaths } from './share-form.svelte';
import { joinNames, participantName } from './share-text';
import { shareLog } from './shares.svelte';
import { obligationState } from './obligations.svelte';
import { offendingRisk } from './offending.svelte';
import type { Child, Obligation } from './types';

export const SUMMARY_MAX = 4000;

const FIELDS = ['occurredAt', 'occurredAtTime', 'emergency', ...PARTICIPANT_FIELDS, ...RECORD_FIELDS, 'summary'];

export const EMERGENCY_HINT =
  'A verbal share about a child at risk of offending is allowed only in an emergency. You must file a written record within 3 working days.';

const names = (list: { name: string }[]): string => joinNames(list.map((p) => p.name));

export class VerbalShareForm {
  readonly id = newId();
  readonly form = new FormState('verbal-share', FIELDS);
  readonly when = new WhenDraft();
  readonly participants: ParticipantList;
  readonly record = new ShareRecordDraft();
  summary = $state('');
  /** A child at risk of offending: designated officers only, in an emergency only (DESIGN.md §1). */
  readonly marked: boolean;
  emergency = $state(false);
  /** The written record this emergency share obliges the user to file. */
  obligation = $state.raw<Obligation | null>(null);

  constructor(
    readonly child: Child,
    private readonly me: string,
  ) {
    this.participants = new ParticipantList(
      'share',
      child.involvements.map((i) => i.agency.id),
      me,
    );
    this.marked = child.offendingRisk === true;
    if (this.marked) {
      this.participants.onlyRole = 'designated_officer';
      // Officers on the case need no need-to-know reason.
      const known = offendingRisk.officers[child.id];
      if (known) this.participants.entitled = known;
      else
        offendingRisk.loadOfficers(child.id).then(
          (ids) => (this.participants.entitled = ids),
          () => undefined,
        );
    }
  }

  /** Why a summary cannot be added now, or null when it can. */
  get summaryBlocked(): string | null {
    switch (identityKeys.status) {
      case 'ready':
        break;
      case 'loading':
        return 'Your encryption keys are still loading in this browser.';
      case 'elsewhere':
        return 'Your encryption keys are on another browser, so a summary cannot be encrypted here.';
      case 'none':
      case 'failed':
        return 'Your encryption keys could not be loaded in this browser.';
    }
    const keyless = this.participants.withoutKeys;
    if (keyless.length === 0) return null;
    const verb = keyless.length === 1 ? 'has' : 'have';
    return `${names(keyless)} ${verb} not set up encryption keys yet, so a summary cannot be encrypted for them.`;
  }

  submit(): Promise<boolean> {
    return this.form.submit(
      () => this.check(),
      async () => {
        try {
          await this.send();
        } catch (error) {
          throw withFieldPaths(error, (path) => (path.startsWith('summary') ? 'summary' : recordField(path.replace(/^record\./, ''))));
        }
      },
    );
  }

  private check(): FieldErrors {
    const errors: FieldErrors = {};
    this.when.check(errors, 'you shared the information');
    if (this.marked && !this.emergency)
      errors['emergency'] = 'Select “This was an emergency” if it was one. Otherwise share in writing: file a written record in the special file';
    checkParticipants(errors, this.participants, 'Add who you shared the information with');
    Object.assign(errors, this.record.errors());
    const summary = this.summary.trim();
    const blocked = this.summaryBlocked;
    if ([...summary].length > SUMMARY_MAX) errors['summary'] = `The summary must be ${SUMMARY_MAX.toLocaleString('en-GB')} characters or fewer`;
    else if (summary && blocked) errors['summary'] = `${blocked} Delete the summary to record the share without one.`;
    // In the order the fields appear, so the error summary reads top to bottom.
    return Object.fromEntries(FIELDS.flatMap((name) => (errors[name] ? [[name, errors[name]]] : [])));
  }

  private async send(): Promise<void> {
    const checked = checkShareRecord(this.record.input());
    if (!checked.ok) throw new Error('checked before sending');
    const summary = await this.sealSummary();
    const { entry } = await shareLog.recordVerbal(this.child.id, {
      id: this.id,
      occurredAt: this.when.iso(),
      tier: this.marked ? 'offending_risk' : 'welfare',
      ...(this.marked ? { emergency: this.emergency } : {}),
      participants: this.participants.body(),
      record: checked.record,
      ...(summary ? { summary } : {}),
    });
    if (this.marked) this.obligation = await obligationState.forShare(entry.id);
    shareLog.announce(this.child.id, `Your verbal share with ${joinNames(entry.participants.map(participantName))} is recorded.`);
  }

  /** Encrypts the summary to the user and each Haven participant, with their published keys. */
  private async sealSummary(): Promise<SealedNoteV2 | null> {
    const text = this.summary.trim();
    if (!text) return null;
    const havenIds = this.participants.list.flatMap((p) => (p.userId ? [p.userId] : []));
    const { keys } = await keysApi.of([this.me, ...havenIds]);
    const keyless = this.participants.list.filter((p) => p.userId && !keys.some((k) => k.userId === p.userId));
    if (keyless.length > 0) {
      const message = `${names(keyless)} cannot receive an encrypted summary yet. Delete the summary to record the share without one.`;
      throw new ApiError(409, 'keys_missing', message, [{ path: 'summary', message }]);
    }
    return identityKeys.seal(text, { shareId: this.id, childId: this.child.id, senderId: this.me }, keys);
  }
}

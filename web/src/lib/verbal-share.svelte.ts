// "Record a verbal share": who was told, when, on what footing (the share record), and an
// optional summary encrypted on this device to the sender and each Haven user who took part,
// with any files (their keys and names travel inside the summary; docs/attachments.md).
// The entry's id is made when the form opens and kept, so a retry after a lost answer finds
// the entry already recorded instead of recording it twice.
import type { SealedNoteV2 } from '../../../crypto';
import { checkShareRecord } from '../../../server/shares/share-record';
import { ApiError } from './api';
import { KeyCheckError, keyLog, type VerifiedKey } from './key-log.svelte';
import { RECORD_FIELDS, recordField, ShareRecordDraft } from './consent-form.svelte';
import { FormState, type FieldErrors } from './form.svelte';
import { identityKeys } from './keys.svelte';
import { ParticipantList } from './participants.svelte';
import { PARTICIPANT_FIELDS, WhenDraft, checkParticipants, newId, withFieldPaths } from './share-form.svelte';
import { joinNames, participantName } from './share-text';
import { shareLog } from './shares.svelte';
import { OutgoingFiles } from './attachments.svelte';
import { obligationState } from './obligations.svelte';
import { offendingRisk } from './offending.svelte';
import type { Child, Obligation } from './types';

export const SUMMARY_MAX = 4000;

const FIELDS = ['occurredAt', 'occurredAtTime', 'emergency', ...PARTICIPANT_FIELDS, ...RECORD_FIELDS, 'summary', 'attachments'];

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
  /** Files shared with it, encrypted and uploaded as they are chosen. */
  readonly files: OutgoingFiles;
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
    this.files = new OutgoingFiles(() => ({ childId: child.id }));
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

  /**
   * Starts the share record from this practitioner's last verbal share about the child (from their
   * chronology), shown as a summary with "Change": a routine share asks again only what differs.
   */
  async startFromLast(): Promise<void> {
    if (shareLog.childId !== this.child.id || shareLog.load !== 'ready') await shareLog.loadChronology(this.child.id);
    const mine = shareLog.entries.filter((e) => e.kind === 'verbal' && e.sender.id === this.me && e.tier === (this.marked ? 'offending_risk' : 'welfare'));
    const last = mine.reduce<(typeof mine)[number] | null>((a, b) => (a === null || b.recordedAt > a.recordedAt ? b : a), null);
    const checked = last ? checkShareRecord(last.record) : null;
    if (checked?.ok && this.record.consentStatus === '') this.record.fill(checked.record, `your last verbal share about ${this.child.name}`);
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
          throw withFieldPaths(error, (path) =>
            path.startsWith('summary') ? 'summary' : path.startsWith('attachments') ? 'attachments' : recordField(path.replace(/^record\./, '')),
          );
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
    const files = this.files.problem();
    if (files) errors['attachments'] = files;
    else if (this.files.list.length && blocked)
      errors['attachments'] = `${blocked} Files are encrypted with the summary, so remove them to record the share without them.`;
    // In the order the fields appear, so the error summary reads top to bottom.
    return Object.fromEntries(FIELDS.flatMap((name) => (errors[name] ? [[name, errors[name]]] : [])));
  }

  private async send(): Promise<void> {
    const checked = checkShareRecord(this.record.input());
    if (!checked.ok) throw new Error('checked before sending');
    // With files the record names documents and the summary carries them, even with no text.
    const sealed = await this.files.seal(checked.record, this.summary.trim());
    const summary = await this.sealSummary(sealed.text, sealed.attachments.length > 0);
    const { entry } = await shareLog.recordVerbal(this.child.id, {
      id: this.id,
      occurredAt: this.when.iso(),
      tier: this.marked ? 'offending_risk' : 'welfare',
      ...(this.marked ? { emergency: this.emergency } : {}),
      participants: this.participants.body(),
      record: sealed.record,
      ...(summary ? { summary } : {}),
      ...(sealed.attachments.length ? { attachments: sealed.attachments } : {}),
    });
    this.files.clear();
    if (this.marked) this.obligation = await obligationState.forShare(entry.id);
    shareLog.announce(this.child.id, `Your verbal share with ${joinNames(entry.participants.map(participantName))} is recorded.`);
  }

  /**
   * Encrypts the summary to the user and each Haven participant, with keys checked as for any
   * message (docs/key-log.md): in the key log under this build's trust roots, no unacknowledged
   * key change, and vouched for by a certified admin — or, outside the offending-risk tier,
   * accepted by the user after comparing the safety number (KeyChanges on this form).
   */
  private async sealSummary(text: string, withFiles: boolean): Promise<SealedNoteV2 | null> {
    if (!text && !withFiles) return null;
    const people = this.participants.list.flatMap((p) => (p.userId && p.userId !== this.me ? [{ id: p.userId, name: p.name }] : []));
    const refuse = (message: string) => new ApiError(409, 'summary_keys', message, [{ path: 'summary', message }]);
    const keyless = this.participants.list.filter((p) => p.userId && !p.hasKeys);
    if (keyless.length > 0) throw refuse(`${names(keyless)} cannot receive an encrypted summary yet. Delete the summary to record the share without one.`);
    let verified: VerifiedKey[];
    try {
      verified = await keyLog.verify(people);
    } catch (error) {
      if (error instanceof KeyCheckError) throw refuse(`${error.message} Delete the summary to record the share without one.`);
      throw error;
    }
    const changed = keyLog.pendingFor(people.map((p) => p.id));
    if (changed.length > 0)
      throw refuse(`${names(changed)} ${changed.length === 1 ? 'has' : 'have'} new security keys. Check and accept the change above first.`);
    const unvouched = verified.filter((k) => !k.trust.vouched);
    if (this.marked && unvouched.length > 0) {
      throw refuse(
        `${names(unvouched)}’s agency has not yet confirmed their security keys, and in the offending-risk tier a summary goes only to confirmed keys. Delete the summary, or ask their agency’s Haven admin to confirm them.`,
      );
    }
    const unaccepted = keyLog.unconfirmedFor(unvouched.map((k) => k.userId));
    if (unaccepted.length > 0) throw refuse(`${names(unaccepted)}’s agency has not yet confirmed their security keys. Compare the safety number above first.`);
    return identityKeys.seal(text, { shareId: this.id, childId: this.child.id, senderId: this.me }, verified);
  }
}

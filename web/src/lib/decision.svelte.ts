// "Record a decision not to share" (HM Government advice, rule 7: record the decision and the
// reasons), including a request that was declined. Nothing is shared, so the people involved
// need no reason to know, and may be from any agency.
import { decisionRecord } from '../../../server/shares/shares.schema';
import { FormState, type FieldErrors } from './form.svelte';
import { ParticipantList } from './participants.svelte';
import { PARTICIPANT_FIELDS, WhenDraft, checkParticipants, withFieldPaths } from './share-form.svelte';
import { shareLog } from './shares.svelte';
import type { Child } from './types';

const DECISION_FIELDS = ['wasRequest', 'purpose', 'kindsOfInformation', 'consentStatus', 'reason'] as const;
const FIELDS = ['occurredAt', 'occurredAtTime', ...PARTICIPANT_FIELDS, ...DECISION_FIELDS];

export class DecisionForm {
  readonly form = new FormState('decision', FIELDS);
  readonly when = new WhenDraft();
  readonly participants: ParticipantList;
  wasRequest = $state('');
  purpose = $state('');
  kinds = $state<string[]>([]);
  consentStatus = $state('');
  reason = $state('');

  constructor(
    readonly child: Child,
    me: string,
  ) {
    this.participants = new ParticipantList('decision', [], me);
  }

  submit(): Promise<boolean> {
    return this.form.submit(
      () => this.check(),
      async () => {
        try {
          await this.send();
        } catch (error) {
          throw withFieldPaths(error, (path) => DECISION_FIELDS.find((field) => path === `decision.${field}` || path.startsWith(`decision.${field}.`)));
        }
      },
    );
  }

  private decision(): unknown {
    return {
      reason: this.reason,
      purpose: this.purpose,
      kindsOfInformation: [...this.kinds],
      wasRequest: this.wasRequest === 'yes' ? true : this.wasRequest === 'no' ? false : undefined,
      consentStatus: this.consentStatus || undefined,
    };
  }

  /** The server's own schema for the decision, so both give the same messages. */
  private check(): FieldErrors {
    const errors: FieldErrors = {};
    this.when.check(errors, 'of the decision');
    checkParticipants(errors, this.participants, null);
    const result = decisionRecord.safeParse(this.decision());
    for (const issue of result.success ? [] : result.error.issues) {
      const field = DECISION_FIELDS.find((name) => name === issue.path[0]);
      if (field) errors[field] ??= issue.message;
    }
    return Object.fromEntries(FIELDS.flatMap((name) => (errors[name] ? [[name, errors[name]]] : [])));
  }

  private async send(): Promise<void> {
    const parsed = decisionRecord.safeParse(this.decision());
    if (!parsed.success) throw new Error('checked before sending');
    await shareLog.recordDecision(this.child.id, {
      occurredAt: this.when.iso(),
      tier: 'welfare',
      participants: this.participants.body(),
      decision: parsed.data,
    });
    shareLog.announce(this.child.id, 'Your decision not to share is recorded.');
  }
}

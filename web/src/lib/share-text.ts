// Plain words for share-log entries, built from the labels the forms show
// (server/shares/share-record.labels.ts), so the chronology reads as the choices were made.
import { CONSENT_PARTY_TEXT, CONSENT_STATUS_TEXT, EXEMPTION_TEXT } from '../../../server/shares/share-record.labels';
import type { ConsentTag } from '../../../server/shares/share-record';
import { formatDate } from './format';
import type { ShareEntry, ShareKind } from './types';

export const KIND_TEXT: Record<ShareKind, string> = {
  verbal: 'Verbal share',
  decision_not_to_share: 'Decision not to share',
  decision_reopened: 'Decision reopened',
  // Kinds that arrive with messaging; the chronology names them but shows no record for them yet.
  thread_started: 'Message thread started',
  participant_added: 'Person added to a message thread',
};

const lowerFirst = (text: string): string => text.charAt(0).toLowerCase() + text.slice(1);

export interface ConsentWords {
  /** "Consent not sought", or "Consent given by a parent (Ann Hartwell) on 4 March 2026". */
  status: string;
  exemption: string | null;
  exemptionHelp: string | null;
  detail: string | null;
}

export function consentWords(consent: ConsentTag): ConsentWords {
  const status = CONSENT_STATUS_TEXT[consent.status].label;
  switch (consent.status) {
    case 'given': {
      const name = consent.givenByName ? ` (${consent.givenByName})` : '';
      const by = lowerFirst(CONSENT_PARTY_TEXT[consent.givenBy].label);
      return { status: `${status} by ${by}${name} on ${formatDate(consent.givenOn)}`, exemption: null, exemptionHelp: null, detail: null };
    }
    case 'refused':
    case 'not_sought': {
      const by = consent.status === 'refused' ? ` by ${lowerFirst(CONSENT_PARTY_TEXT[consent.refusedBy].label)}` : '';
      const exemption = EXEMPTION_TEXT[consent.exemption];
      return { status: `${status}${by}`, exemption: exemption.label, exemptionHelp: exemption.help, detail: consent.exemptionDetail };
    }
  }
}

/** "Morgan Reid", or the name of someone outside Haven, with their agency after. */
export function participantName(participant: ShareEntry['participants'][number]): string {
  return participant.user?.name ?? participant.externalName ?? 'Someone';
}

/** Names joined as a sentence does: "A", "A and B", "A, B and C". */
export function joinNames(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}

export function yesNo(value: boolean): string {
  return value ? 'Yes' : 'No';
}

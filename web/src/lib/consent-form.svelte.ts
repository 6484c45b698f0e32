// The share record a practitioner fills in (docs/share-record.md): the consent tag, purpose,
// kinds of information, lawful basis and conditions, legal gateway, necessity, whether the
// family was told. It is checked with the server's own validator, so the browser and the server
// give the same answer in the same words; the validator also says when a DPA 2018 Schedule 1
// condition is needed and which ones fit.
import { checkShareRecord, SCHEDULE1_CONDITIONS, type Schedule1Condition, type ShareRecord } from '../../../server/shares/share-record';
import type { FieldErrors } from './form.svelte';

/** Form field names, in the order the fields appear (the error summary follows it). */
export const RECORD_FIELDS = [
  'consent-status',
  'consent-givenBy',
  'consent-givenByName',
  'consent-givenOn',
  'consent-refusedBy',
  'consent-exemption',
  'consent-exemptionDetail',
  'purpose',
  'kindsOfInformation',
  'otherInformationDescription',
  'article6Basis',
  'specialCategory',
  'article9Condition',
  'schedule1Condition',
  'legalGateway',
  'legalGatewayDetail',
  'necessityAndProportionality',
  'childOrFamilyTold-told',
  'childOrFamilyTold-reason',
] as const;

/** Issue paths that name a whole group rather than one of its fields. */
const GROUP_FIELD: Record<string, string> = { consent: 'consent-status', childOrFamilyTold: 'childOrFamilyTold-told' };

/** The form field for an issue path of the record (`consent.exemptionDetail` → `consent-exemptionDetail`). */
export function recordField(path: string): string | undefined {
  const parts = path.split('.');
  const name = parts[0] === 'kindsOfInformation' ? 'kindsOfInformation' : (GROUP_FIELD[path] ?? parts.join('-'));
  return (RECORD_FIELDS as readonly string[]).includes(name) ? name : undefined;
}

// A record that satisfies every rule, for asking the validator about one part of a draft.
const PROBE = {
  consent: { status: 'not_sought', exemption: 'emergency', exemptionDetail: 'probe' },
  purpose: 'probe text',
  article6Basis: 'public_task',
  legalGateway: 'children_act_2004_s11',
  necessityAndProportionality: 'probe text',
  childOrFamilyTold: { told: true },
};

const orUndefined = (value: string): string | undefined => value || undefined;
const yesNo = (value: string): boolean | undefined => (value === 'yes' ? true : value === 'no' ? false : undefined);

export class ShareRecordDraft {
  consentStatus = $state('');
  givenBy = $state('');
  givenByName = $state('');
  givenOn = $state('');
  refusedBy = $state('');
  exemption = $state('');
  exemptionDetail = $state('');
  purpose = $state('');
  kinds = $state<string[]>([]);
  otherInformationDescription = $state('');
  article6Basis = $state('');
  specialCategory = $state('');
  article9Condition = $state('');
  schedule1Condition = $state('');
  legalGateway = $state('');
  legalGatewayDetail = $state('');
  necessity = $state('');
  told = $state('');
  notToldReason = $state('');

  /** What the validator says about Schedule 1 without one: why one is needed, or undefined when none is. */
  readonly schedule1Needed = $derived(this.schedule1Problem(undefined));
  /** The Schedule 1 conditions the validator accepts with the rest of this draft. */
  readonly schedule1Options = $derived(this.schedule1Needed === undefined ? [] : SCHEDULE1_CONDITIONS.filter((c) => this.schedule1Problem(c) === undefined));

  get specialCategoryChosen(): boolean {
    return this.specialCategory === 'yes';
  }

  /**
   * Where the draft was filled from, in words ("the last message in this conversation"), while it
   * is unchanged: the form then shows the record as a short summary with "Change".
   */
  filledFrom = $state<string | null>(null);

  /** Fills the draft from a record already given (a conversation's last message), to be changed as needed. */
  fill(record: ShareRecord, from: string | null = null): void {
    this.filledFrom = from;
    const c = record.consent;
    this.consentStatus = c.status;
    if (c.status === 'given') [this.givenBy, this.givenByName, this.givenOn] = [c.givenBy, c.givenByName ?? '', c.givenOn];
    else [this.exemption, this.exemptionDetail] = [c.exemption, c.exemptionDetail];
    if (c.status === 'refused') this.refusedBy = c.refusedBy;
    this.purpose = record.purpose;
    this.kinds = [...record.kindsOfInformation];
    this.otherInformationDescription = record.otherInformationDescription ?? '';
    this.article6Basis = record.article6Basis;
    this.specialCategory = record.specialCategory ? 'yes' : 'no';
    this.article9Condition = record.article9Condition ?? '';
    this.schedule1Condition = record.schedule1Condition ?? '';
    this.legalGateway = record.legalGateway;
    this.legalGatewayDetail = record.legalGatewayDetail ?? '';
    this.necessity = record.necessityAndProportionality;
    this.told = record.childOrFamilyTold.told ? 'yes' : 'no';
    this.notToldReason = record.childOrFamilyTold.told ? '' : record.childOrFamilyTold.reason;
  }

  /** The record as the API takes it: only the fields of the choices made, blanks left for the validator to name. */
  input(): Record<string, unknown> {
    const schedule1 = this.schedule1Needed !== undefined && this.schedule1Options.some((c) => c === this.schedule1Condition);
    return {
      consent: this.consent(),
      purpose: this.purpose,
      kindsOfInformation: [...this.kinds],
      ...(this.kinds.includes('other') ? { otherInformationDescription: this.otherInformationDescription } : {}),
      article6Basis: orUndefined(this.article6Basis),
      specialCategory: yesNo(this.specialCategory),
      ...(this.specialCategoryChosen && this.article9Condition ? { article9Condition: this.article9Condition } : {}),
      ...(schedule1 ? { schedule1Condition: this.schedule1Condition } : {}),
      legalGateway: orUndefined(this.legalGateway),
      ...(this.legalGateway === 'other' ? { legalGatewayDetail: this.legalGatewayDetail } : {}),
      necessityAndProportionality: this.necessity,
      childOrFamilyTold: this.told === 'yes' ? { told: true } : this.told === 'no' ? { told: false, reason: this.notToldReason } : undefined,
    };
  }

  /**
   * The validator's issues, keyed by form field (the first for each). The draft builds only
   * fields the form has, so every path has a field; were one not to, the server would name it.
   */
  errors(): FieldErrors {
    const result = checkShareRecord(this.input());
    if (result.ok) return {};
    const errors: FieldErrors = {};
    for (const issue of result.issues) {
      const field = recordField(issue.path);
      if (field) errors[field] ??= this.missing(field) ?? issue.message;
    }
    return errors;
  }

  private consent(): Record<string, unknown> | undefined {
    switch (this.consentStatus) {
      case 'given':
        return { status: 'given', givenBy: orUndefined(this.givenBy), givenByName: this.givenByName, givenOn: this.givenOn };
      case 'refused':
        return { status: 'refused', refusedBy: orUndefined(this.refusedBy), exemption: orUndefined(this.exemption), exemptionDetail: this.exemptionDetail };
      case 'not_sought':
        return { status: 'not_sought', exemption: orUndefined(this.exemption), exemptionDetail: this.exemptionDetail };
      default:
        return undefined;
    }
  }

  /**
   * The validator names each vocabulary for API clients ("one of consent, legal_obligation, …");
   * a person who has not yet chosen is asked in the form's words instead.
   */
  private missing(field: string): string | undefined {
    const unanswered: Record<string, [string, string]> = {
      'consent-status': [this.consentStatus, 'Choose whether consent was given, refused or not sought'],
      'consent-givenBy': [this.givenBy, 'Choose who gave consent'],
      'consent-givenOn': [this.givenOn, 'Enter the date consent was given'],
      'consent-refusedBy': [this.refusedBy, 'Choose who refused consent'],
      'consent-exemption': [this.exemption, 'Choose the exemption that allows sharing without consent'],
      article6Basis: [this.article6Basis, 'Choose the lawful basis'],
      specialCategory: [this.specialCategory, 'Say whether the information includes special category information'],
      legalGateway: [this.legalGateway, 'Choose the legal gateway'],
      'childOrFamilyTold-told': [this.told, 'Say whether the child or family was told'],
    };
    const [value, message] = unanswered[field] ?? ['set', ''];
    return value === '' ? message : undefined;
  }

  /** The validator's message about Schedule 1 for this draft with `condition`, if any. */
  private schedule1Problem(condition: Schedule1Condition | undefined): string | undefined {
    const special = yesNo(this.specialCategory);
    if (special === undefined) return undefined;
    const kinds = this.kinds.length > 0 ? [...this.kinds] : ['identity_and_contact'];
    const result = checkShareRecord({
      ...PROBE,
      kindsOfInformation: kinds,
      ...(kinds.includes('other') ? { otherInformationDescription: 'probe' } : {}),
      specialCategory: special,
      ...(special && this.article9Condition ? { article9Condition: this.article9Condition } : {}),
      ...(condition ? { schedule1Condition: condition } : {}),
    });
    return result.ok ? undefined : result.issues.find((issue) => issue.path === 'schedule1Condition')?.message;
  }
}

import {
  ARTICLE9_CONDITIONS,
  type Article6Basis,
  type Article9Condition,
  type ConsentStatus,
  type InformationKind,
  type LegalGateway,
  type Schedule1Condition,
} from './share-record.enums';
import { ARTICLE9_CONDITION_TEXT, SCHEDULE1_CONDITION_TEXT } from './share-record.labels';

/**
 * The rules that tie one field of a share record to another (docs/share-record.md,
 * "Consistency rules"). Each broken rule is reported on the field the person should change,
 * with a message saying what to do.
 */

/** The fields the rules read: the schema runs the rules only when each of these is valid on its own. */
export interface RuleInputs {
  consent: { status: ConsentStatus };
  kindsOfInformation: readonly InformationKind[];
  otherInformationDescription?: string | undefined;
  article6Basis: Article6Basis;
  specialCategory: boolean;
  article9Condition?: Article9Condition | undefined;
  schedule1Condition?: Schedule1Condition | undefined;
  legalGateway: LegalGateway;
  legalGatewayDetail?: string | undefined;
}

/** Record<…, true> rather than a list so that the compiler insists it names every rule input. */
export const RULE_INPUT_FIELDS: Readonly<Record<keyof RuleInputs, true>> = {
  consent: true,
  kindsOfInformation: true,
  otherInformationDescription: true,
  article6Basis: true,
  specialCategory: true,
  article9Condition: true,
  schedule1Condition: true,
  legalGateway: true,
  legalGatewayDetail: true,
};

export interface RuleIssue {
  path: [keyof RuleInputs];
  message: string;
}

/**
 * The Schedule 1 conditions each Art 9(2) condition can rest on. DPA 2018 s.10(2)–(3): (b), (h)
 * and (i) need a condition in Part 1 of Schedule 1 (paras 1, 2, 3); (g) needs one in Part 2
 * (of those Haven offers, paras 6, 10, 18). The other Art 9 conditions need none.
 */
export const SCHEDULE1_FIT: Partial<Record<Article9Condition, readonly Schedule1Condition[]>> = {
  social_protection: ['social_protection'],
  substantial_public_interest: ['safeguarding_children_and_individuals_at_risk', 'preventing_or_detecting_unlawful_acts', 'statutory_and_government_purposes'],
  health_or_social_care: ['health_or_social_care_purposes'],
  public_health: ['public_health'],
};

const quote = (label: string): string => `‘${label}’`;
const orList = (labels: readonly string[]): string =>
  labels.length <= 1 ? labels.join('') : `${labels.slice(0, -1).join(', ')} or ${labels[labels.length - 1] ?? ''}`;
const schedule1Labels = (conditions: readonly Schedule1Condition[]): string => orList(conditions.map((c) => quote(SCHEDULE1_CONDITION_TEXT[c].label)));
const NEEDS_SCHEDULE1 = orList(ARTICLE9_CONDITIONS.filter((c) => SCHEDULE1_FIT[c] !== undefined).map((c) => quote(ARTICLE9_CONDITION_TEXT[c].label)));
const consentWas = (status: Exclude<ConsentStatus, 'given'>): string => (status === 'refused' ? 'Consent was refused' : 'Consent was not sought');

export function consistencyIssues(record: RuleInputs): RuleIssue[] {
  return [...consentIssues(record), ...specialCategoryIssues(record), ...schedule1Issues(record), ...detailIssues(record)];
}

function consentIssues({ consent, article6Basis, article9Condition }: RuleInputs): RuleIssue[] {
  if (consent.status === 'given') return [];
  const issues: RuleIssue[] = [];
  if (article6Basis === 'consent') {
    issues.push({
      path: ['article6Basis'],
      message: `${consentWas(consent.status)}, so the lawful basis cannot be consent. Choose ‘Public task’ or another basis.`,
    });
  }
  if (article9Condition === 'explicit_consent') {
    issues.push({
      path: ['article9Condition'],
      message: `${consentWas(consent.status)}, so the Article 9 condition cannot be explicit consent. Choose ‘Substantial public interest’ or another condition.`,
    });
  }
  return issues;
}

function specialCategoryIssues({ kindsOfInformation, specialCategory, article9Condition }: RuleInputs): RuleIssue[] {
  if (kindsOfInformation.includes('health') && !specialCategory) {
    return [
      {
        path: ['specialCategory'],
        message: 'Health information is special-category data. Set special category to yes and choose an Article 9 condition.',
      },
    ];
  }
  if (specialCategory && article9Condition === undefined) {
    return [{ path: ['article9Condition'], message: 'Special-category data is involved, so choose the Article 9 condition that allows sharing it.' }];
  }
  if (!specialCategory && article9Condition !== undefined) {
    return [
      {
        path: ['article9Condition'],
        message: 'Remove the Article 9 condition: it is only for special-category data. If special-category data is involved, set special category to yes.',
      },
    ];
  }
  return [];
}

/**
 * One Schedule 1 condition per record. When the Art 9 condition needs one, it must be one that
 * fits that condition. Offending information (criminal offence data, UK GDPR Art 10, DPA 2018
 * s.10(5)) needs a condition from Part 1, 2 or 3, and every condition Haven offers is in Part 1
 * or 2, so offending information only makes one required.
 */
function schedule1Issues(record: RuleInputs): RuleIssue[] {
  const { kindsOfInformation, article9Condition, schedule1Condition } = record;
  // Until special category and the Art 9 condition agree (reported above), which Schedule 1
  // condition fits is unknown: "remove it" or "choose another" could send the person the wrong way.
  const settled = specialCategoryIssues(record).length === 0;
  const fit = settled && article9Condition !== undefined ? SCHEDULE1_FIT[article9Condition] : undefined;
  if (fit && article9Condition) {
    if (schedule1Condition !== undefined && fit.includes(schedule1Condition)) return [];
    const art9 = quote(ARTICLE9_CONDITION_TEXT[article9Condition].label);
    const message =
      schedule1Condition === undefined
        ? `The Article 9 condition ${art9} needs a DPA 2018 Schedule 1 condition. Choose ${schedule1Labels(fit)}.`
        : `The Schedule 1 condition ${quote(SCHEDULE1_CONDITION_TEXT[schedule1Condition].label)} does not go with the Article 9 condition ${art9}. Choose ${schedule1Labels(fit)}.`;
    return [{ path: ['schedule1Condition'], message }];
  }
  const offending = kindsOfInformation.includes('offending_or_antisocial_behaviour');
  if (schedule1Condition === undefined) {
    if (!offending) return [];
    const suggested = schedule1Labels(['preventing_or_detecting_unlawful_acts', 'safeguarding_children_and_individuals_at_risk']);
    return [
      {
        path: ['schedule1Condition'],
        message: `Offending or antisocial behaviour information is criminal offence data, so it needs a DPA 2018 Schedule 1 condition. Choose one, such as ${suggested}.`,
      },
    ];
  }
  if (offending || !settled) return [];
  return [
    {
      path: ['schedule1Condition'],
      message: `Remove the Schedule 1 condition: it is needed only for offending or antisocial behaviour information, or with the Article 9 condition ${NEEDS_SCHEDULE1}.`,
    },
  ];
}

function detailIssues({ kindsOfInformation, otherInformationDescription, legalGateway, legalGatewayDetail }: RuleInputs): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const otherKind = kindsOfInformation.includes('other');
  if (otherKind && otherInformationDescription === undefined) {
    issues.push({ path: ['otherInformationDescription'], message: 'You chose ‘Other’ kinds of information: describe what they are.' });
  } else if (!otherKind && otherInformationDescription !== undefined) {
    issues.push({
      path: ['otherInformationDescription'],
      message: 'Remove the description of other information, or add ‘Other’ to the kinds of information shared.',
    });
  }
  if (legalGateway === 'other' && legalGatewayDetail === undefined) {
    issues.push({ path: ['legalGatewayDetail'], message: 'You chose another legal gateway: name the Act and section you are relying on.' });
  } else if (legalGateway !== 'other' && legalGatewayDetail !== undefined) {
    issues.push({ path: ['legalGatewayDetail'], message: 'Remove the legal gateway detail, or choose ‘Another legal gateway’.' });
  }
  return issues;
}

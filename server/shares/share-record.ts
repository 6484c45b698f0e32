import { z } from 'zod';
import { ValidationError, type FieldIssue } from '../errors';
import { parseInput } from '../shared/parse-input';
import { isoDate } from '../shared/schemas';
import {
  ARTICLE6_BASES,
  ARTICLE9_CONDITIONS,
  CONSENT_PARTIES,
  EXEMPTIONS,
  INFORMATION_KINDS,
  LEGAL_GATEWAYS,
  SCHEDULE1_CONDITIONS,
} from './share-record.enums';
import { consistencyIssues, RULE_INPUT_FIELDS } from './share-record.rules';

/**
 * The consent tag and share record carried by every share of information about a child: a
 * message, a verbal-share log entry, a written record, a decision not to share. One schema, so
 * `parseInput(shareRecord, body)` gives the same errors wherever a share arrives. The format,
 * its vocabularies and its rules are written down in docs/share-record.md.
 */

export * from './share-record.enums';

/** Lengths in Unicode code points after trimming, as zod counts them; exported for the web client's own checks. */
export const SHARE_RECORD_LIMITS = {
  purpose: { min: 10, max: 2000 },
  necessityAndProportionality: { min: 10, max: 2000 },
  exemptionDetail: { min: 1, max: 2000 },
  /** With other_statutory_basis the detail must name a statute, which takes more than a word. */
  statuteDetail: { min: 10 },
  givenByName: { max: 200 },
  otherInformationDescription: { max: 1000 },
  legalGatewayDetail: { max: 1000 },
  notToldReason: { min: 5, max: 1000 },
} as const;

const NUL = '\u0000';
const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

interface TextRule {
  /** The field as a sentence names it: "the purpose". */
  field: string;
  min: number;
  max: number;
  /** What to tell the person when the field is missing or blank. */
  missing: string;
  /** What a long-enough answer has to say, added to the too-short message. */
  hint?: string;
}

/**
 * Free text. NUL is refused first and stops the checks (PostgreSQL text cannot hold it, and
 * the person cannot see it). Trimming comes before the length checks so that spaces neither
 * pad an answer to the minimum nor count as one: blank is missing.
 */
function requiredText({ field, min, max, missing, hint }: TextRule) {
  return z
    .string({ error: missing })
    .refine((value) => !value.includes(NUL), { error: `Remove the NUL character (\\u0000) from ${field}`, abort: true })
    .trim()
    .min(min, { error: (issue) => (issue.input === '' ? missing : `${capitalise(field)} must be at least ${min} characters${hint ? `: ${hint}` : ''}`) })
    .max(max, `${capitalise(field)} must be ${max} characters or fewer`);
}

/** Optional free text: blank means not given, as an empty form field does, and is left out of the record. */
function optionalText(field: string, max: number) {
  return z
    .string({ error: `Enter ${field} as text` })
    .refine((value) => !value.includes(NUL), { error: `Remove the NUL character (\\u0000) from ${field}`, abort: true })
    .trim()
    .max(max, `${capitalise(field)} must be ${max} characters or fewer`)
    .transform((value) => (value === '' ? undefined : value))
    .optional();
}

/**
 * Parsing keeps a key whose value became undefined (a blank optional text). Canonical JSON,
 * which signs envelope headers, refuses undefined, so such keys are dropped from the output.
 */
function withoutUndefined<T extends object>(value: T): T {
  // Only optional keys can hold undefined here, so the result is still a T.
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as T;
}

const oneOf = (values: readonly string[]): string => values.join(', ');

const consentParty = (verb: 'gave' | 'refused') =>
  z.enum(CONSENT_PARTIES, { error: `Choose who ${verb} consent: the child, the young person, a parent or a carer (one of ${oneOf(CONSENT_PARTIES)})` });

const exemption = z.enum(EXEMPTIONS, { error: `Choose the exemption that allows sharing without consent (one of ${oneOf(EXEMPTIONS)})` });

const exemptionDetail = requiredText({
  field: 'the exemption detail',
  ...SHARE_RECORD_LIMITS.exemptionDetail,
  missing: 'Say why the exemption applies to this share',
});

const GIVEN_ON_FORMAT = 'Enter the date consent was given, in the format YYYY-MM-DD';

const consentGiven = z.strictObject({
  status: z.literal('given'),
  givenBy: consentParty('gave'),
  givenByName: optionalText('the name of the person who gave consent', SHARE_RECORD_LIMITS.givenByName.max),
  givenOn: z
    .string({ error: GIVEN_ON_FORMAT })
    // Stops here on a bad format so the person gets one message, not "format" and "real date" both.
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: GIVEN_ON_FORMAT, abort: true })
    .pipe(isoDate),
});

const consentRefused = z.strictObject({ status: z.literal('refused'), refusedBy: consentParty('refused'), exemption, exemptionDetail });

const consentNotSought = z.strictObject({ status: z.literal('not_sought'), exemption, exemptionDetail });

export const consentTag = z
  .discriminatedUnion('status', [consentGiven, consentRefused, consentNotSought], {
    error: 'Say whether consent was given, refused or not sought (status: given, refused or not_sought)',
  })
  .superRefine((consent, ctx) => {
    // A blank detail has already been reported as missing; one message per problem.
    if (consent.status === 'given' || consent.exemption !== 'other_statutory_basis' || consent.exemptionDetail === '') return;
    if ([...consent.exemptionDetail].length < SHARE_RECORD_LIMITS.statuteDetail.min) {
      ctx.addIssue({
        code: 'custom',
        path: ['exemptionDetail'],
        message: `Name the Act and section that allows sharing without consent, for example ‘Education Act 1996 s.436A’ (at least ${SHARE_RECORD_LIMITS.statuteDetail.min} characters)`,
      });
    }
  })
  .transform(withoutUndefined);
export type ConsentTag = z.output<typeof consentTag>;

export const childOrFamilyTold = z.discriminatedUnion(
  'told',
  [
    z.strictObject({ told: z.literal(true) }),
    z.strictObject({
      told: z.literal(false),
      reason: requiredText({
        field: 'the reason',
        ...SHARE_RECORD_LIMITS.notToldReason,
        missing: 'Say why the child or family was not told about this share',
      }),
    }),
  ],
  { error: 'Say whether the child or family was told about this share (told: true, or told: false with a reason)' },
);

const kindsOfInformation = z
  .array(z.enum(INFORMATION_KINDS, { error: `Choose kinds of information from: ${oneOf(INFORMATION_KINDS)}` }), {
    error: 'Choose at least one kind of information shared',
  })
  .min(1, 'Choose at least one kind of information shared')
  .superRefine((kinds, ctx) => {
    const repeated = [...new Set(kinds.filter((kind, index) => kinds.indexOf(kind) !== index))];
    if (repeated.length > 0) {
      ctx.addIssue({ code: 'custom', message: `List each kind of information once (repeated: ${repeated.join(', ')})` });
    }
  });

const shareRecordFields = z.strictObject(
  {
    consent: consentTag,
    purpose: requiredText({
      field: 'the purpose',
      ...SHARE_RECORD_LIMITS.purpose,
      missing: 'Enter the purpose of sharing',
      hint: 'say what the information is being shared for',
    }),
    kindsOfInformation,
    otherInformationDescription: optionalText('the description of the other information', SHARE_RECORD_LIMITS.otherInformationDescription.max),
    article6Basis: z.enum(ARTICLE6_BASES, { error: `Choose the UK GDPR Article 6 lawful basis (one of ${oneOf(ARTICLE6_BASES)})` }),
    specialCategory: z.boolean({ error: 'Say whether special-category data (such as health information) is involved: true or false' }),
    article9Condition: z.enum(ARTICLE9_CONDITIONS, { error: `Choose the UK GDPR Article 9 condition (one of ${oneOf(ARTICLE9_CONDITIONS)})` }).optional(),
    schedule1Condition: z.enum(SCHEDULE1_CONDITIONS, { error: `Choose the DPA 2018 Schedule 1 condition (one of ${oneOf(SCHEDULE1_CONDITIONS)})` }).optional(),
    legalGateway: z.enum(LEGAL_GATEWAYS, { error: `Choose the legal gateway (one of ${oneOf(LEGAL_GATEWAYS)})` }),
    legalGatewayDetail: optionalText('the legal gateway detail', SHARE_RECORD_LIMITS.legalGatewayDetail.max),
    necessityAndProportionality: requiredText({
      field: 'the necessity and proportionality statement',
      ...SHARE_RECORD_LIMITS.necessityAndProportionality,
      missing: 'Say why sharing was necessary and why this much information',
      hint: 'say why sharing was necessary and why this much',
    }),
    childOrFamilyTold,
  },
  { error: 'The share record must be an object with the fields in docs/share-record.md' },
);

/**
 * zod's default is to skip an object's refinements after any type error anywhere in it. The
 * rules read only some fields, so they run unless one of those has a type error (an issue
 * zod marks as not continuable): a person with a short purpose and a basis that contradicts
 * consent is told both at once, not one per attempt.
 */
function ruleInputsAreSound(payload: z.core.ParsePayload): boolean {
  const { value, issues } = payload;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return issues.every((issue) => {
    const field = issue.path?.[0];
    return issue.continue === true || typeof field !== 'string' || !Object.hasOwn(RULE_INPUT_FIELDS, field);
  });
}

export const shareRecord = shareRecordFields
  .superRefine(
    (record, ctx) => {
      for (const issue of consistencyIssues(record)) ctx.addIssue({ code: 'custom', ...issue });
    },
    { when: ruleInputsAreSound },
  )
  .transform(withoutUndefined);

/** A valid, normalised share record (trimmed text, blank optional text left out). */
export type ShareRecord = z.output<typeof shareRecord>;
/** What a client sends, before trimming. */
export type ShareRecordInput = z.input<typeof shareRecord>;

/**
 * A convenience for callers that want a result rather than an exception. It goes through
 * parseInput so that its issues are the ones every route reports for the same record.
 */
export function checkShareRecord(value: unknown): { ok: true; record: ShareRecord } | { ok: false; issues: FieldIssue[] } {
  try {
    return { ok: true, record: parseInput(shareRecord, value, 'share record') };
  } catch (error) {
    if (error instanceof ValidationError) return { ok: false, issues: error.issues };
    throw error;
  }
}

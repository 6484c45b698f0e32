import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { z } from 'zod';
import { assert, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../crypto';
import { ValidationError, type FieldIssue } from '../../server/errors';
import { parseInput } from '../../server/shared/parse-input';
import {
  ARTICLE6_BASES,
  ARTICLE9_CONDITIONS,
  CONSENT_PARTIES,
  CONSENT_STATUSES,
  EXEMPTIONS,
  INFORMATION_KINDS,
  LEGAL_GATEWAYS,
  SCHEDULE1_CONDITIONS,
  checkShareRecord,
  consentTag,
  shareRecord,
  type Article9Condition,
  type ConsentStatus,
  type Schedule1Condition,
  type ShareRecord,
  type ShareRecordInput,
} from '../../server/shares/share-record';
import * as labels from '../../server/shares/share-record.labels';

type Json = Record<string, unknown>;

const given = { status: 'given', givenBy: 'parent', givenOn: '2026-03-02' } as const;
const notSought = { status: 'not_sought', exemption: 'risk_of_significant_harm', exemptionDetail: 'Mother’s partner is the alleged abuser.' } as const;

/** A minimal valid record: no special category, no Schedule 1 condition, no details. */
const valid = (): Json =>
  ({
    consent: { ...notSought },
    purpose: 'To plan a strategy discussion about bruising seen at school.',
    kindsOfInformation: ['safeguarding_concern', 'family_and_household'],
    article6Basis: 'public_task',
    specialCategory: false,
    legalGateway: 'children_act_1989_s47',
    necessityAndProportionality: 'Only the injury and who lives at home were shared, so police could join the strategy discussion.',
    childOrFamilyTold: { told: false, reason: 'Telling the family could put the child at risk.' },
  }) satisfies ShareRecordInput;

/**
 * The Schedule 1 conditions each Art 9 condition needs, restated from the brief (DPA 2018
 * s.10) rather than imported, so the tests check the code against the law, not itself.
 */
const FIT: Record<Article9Condition, readonly Schedule1Condition[] | null> = {
  explicit_consent: null,
  social_protection: ['social_protection'],
  vital_interests: null,
  substantial_public_interest: ['safeguarding_children_and_individuals_at_risk', 'preventing_or_detecting_unlawful_acts', 'statutory_and_government_purposes'],
  health_or_social_care: ['health_or_social_care_purposes'],
  public_health: ['public_health'],
  legal_claims: null,
};

function accepted(input: unknown): ShareRecord {
  const result = checkShareRecord(input);
  if (!result.ok) assert.fail(`expected the record to be accepted, got ${JSON.stringify(result.issues)}`);
  return result.record;
}

function refused(input: unknown): FieldIssue[] {
  const result = checkShareRecord(input);
  if (result.ok) assert.fail('expected the record to be refused');
  return result.issues;
}

const issue = (path: string, message: RegExp) => ({ path, message: expect.stringMatching(message) });

function at(record: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value as Json | undefined)?.[key], record);
}

/** A copy of the record with the field at a dot path replaced, or removed when value is `remove`. */
const remove = Symbol('remove');
function edit(record: Json, path: string, value: unknown): Json {
  const copy = structuredClone(record);
  const keys = path.split('.');
  const last = keys.pop() ?? '';
  const parent = keys.reduce<Json>((object, key) => object[key] as Json, copy);
  if (value === remove) delete parent[last];
  else parent[last] = value;
  return copy;
}

/** Dot paths of every string in the record, array items included. */
function stringPaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => stringPaths(inner, prefix ? `${prefix}.${key}` : key));
}

/** Dot paths of every field of the record and of its nested objects (not array items). */
function fieldPaths(record: Json): string[] {
  return Object.entries(record).flatMap(([key, value]) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? [key, ...Object.keys(value).map((inner) => `${key}.${inner}`)] : [key],
  );
}

// ---- arbitraries ----------------------------------------------------------------------

const textUnit = fc.oneof(
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), weight: 9 },
  { arbitrary: fc.constantFrom('é', 'ŵ', '’', '—', 'ł', '😀', '\n'), weight: 1 },
);
/** Already-trimmed text, so a valid record parses to exactly itself. */
const text = (min: number, max: number) =>
  fc
    .string({ unit: textUnit, minLength: min, maxLength: Math.min(max, min + 60) })
    .map((value) => value.trim())
    .filter((value) => [...value].length >= min && [...value].length <= max);
const date = fc.date({ min: new Date('2000-01-01'), max: new Date('2040-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));

const exemptionWithDetail = fc
  .constantFrom(...EXEMPTIONS)
  .chain((exemption) => text(exemption === 'other_statutory_basis' ? 10 : 1, 2000).map((exemptionDetail) => ({ exemption, exemptionDetail })));

const consentArb: fc.Arbitrary<Json> = fc.oneof(
  fc.record(
    { status: fc.constant('given'), givenBy: fc.constantFrom(...CONSENT_PARTIES), givenByName: text(1, 200), givenOn: date },
    { requiredKeys: ['status', 'givenBy', 'givenOn'] },
  ),
  fc.tuple(fc.constantFrom(...CONSENT_PARTIES), exemptionWithDetail).map(([refusedBy, rest]) => ({ status: 'refused', refusedBy, ...rest })),
  exemptionWithDetail.map((rest) => ({ status: 'not_sought', ...rest })),
);

/**
 * Any consistent record, as a careful practitioner would fill the form in. Built by mapping
 * independent choices onto the rules (not with fc.gen, whose shrinking can loop forever when
 * later choices depend on earlier ones), so a failure shrinks to a small example.
 */
const validRecord: fc.Arbitrary<Json> = fc
  .record({
    consent: consentArb,
    kinds: fc.shuffledSubarray([...INFORMATION_KINDS], { minLength: 1 }),
    specialAnyway: fc.boolean(),
    article6Basis: fc.constantFrom(...ARTICLE6_BASES),
    article9Condition: fc.constantFrom(...ARTICLE9_CONDITIONS),
    schedule1Choice: fc.nat(),
    legalGateway: fc.constantFrom(...LEGAL_GATEWAYS),
    purpose: text(10, 2000),
    necessityAndProportionality: text(10, 2000),
    otherInformationDescription: text(1, 1000),
    legalGatewayDetail: text(1, 1000),
    childOrFamilyTold: fc.oneof(
      fc.constant({ told: true }),
      text(5, 1000).map((reason) => ({ told: false, reason })),
    ),
  })
  .map((c) => {
    const given = c.consent.status === 'given';
    const specialCategory = c.kinds.includes('health') || c.specialAnyway;
    const article9Condition = !specialCategory
      ? undefined
      : given || c.article9Condition !== 'explicit_consent'
        ? c.article9Condition
        : 'substantial_public_interest';
    const choices = article9Condition ? FIT[article9Condition] : null;
    const needed = choices ?? (c.kinds.includes('offending_or_antisocial_behaviour') ? SCHEDULE1_CONDITIONS : null);
    const schedule1Condition = needed ? needed[c.schedule1Choice % needed.length] : undefined;
    return {
      consent: c.consent,
      purpose: c.purpose,
      kindsOfInformation: c.kinds,
      ...(c.kinds.includes('other') ? { otherInformationDescription: c.otherInformationDescription } : {}),
      article6Basis: given || c.article6Basis !== 'consent' ? c.article6Basis : 'public_task',
      specialCategory,
      ...(article9Condition ? { article9Condition } : {}),
      ...(schedule1Condition ? { schedule1Condition } : {}),
      legalGateway: c.legalGateway,
      ...(c.legalGateway === 'other' ? { legalGatewayDetail: c.legalGatewayDetail } : {}),
      necessityAndProportionality: c.necessityAndProportionality,
      childOrFamilyTold: c.childOrFamilyTold,
    };
  });

// ---- tests ----------------------------------------------------------------------------

describe('a valid share record', () => {
  it('is accepted as it is', () => {
    expect(accepted(valid())).toEqual(valid());
  });

  it('accepts the example in docs/share-record.md', () => {
    const doc = readFileSync(new URL('../../docs/share-record.md', import.meta.url), 'utf8');
    const example = /## Example[\s\S]*?```json\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    accepted(JSON.parse(example ?? ''));
  });

  it('property: any consistent record is accepted and parses to exactly itself, ready to canonicalise', () => {
    fc.assert(
      fc.property(validRecord, (record) => {
        const parsed = accepted(record);
        expect(parsed).toEqual(record);
        expect(accepted(parsed)).toEqual(parsed);
        expect(() => canonicalJson(parsed)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it('property: whitespace around any text is trimmed away', () => {
    fc.assert(
      fc.property(validRecord, fc.nat(), fc.constantFrom(' ', '  \n', '\t', '\u00a0', '\r\n '), (record, n, pad) => {
        // Free text only: enum values and dates are not trimmed, padding them is an error.
        const texts = stringPaths(record).filter((path) => /purpose|Detail|Description|necessity|reason|givenByName/.test(path));
        const path = texts[n % texts.length] ?? 'purpose';
        expect(accepted(edit(record, path, `${pad}${String(at(record, path))}${pad}`))).toEqual(record);
      }),
    );
  });
});

describe('refusals name the field', () => {
  it('property: removing any field that is present (except the optional givenByName) is refused naming it', () => {
    fc.assert(
      fc.property(validRecord, fc.nat(), (record, n) => {
        const fields = fieldPaths(record).filter((path) => path !== 'consent.givenByName');
        const path = fields[n % fields.length] ?? 'purpose';
        expect(refused(edit(record, path, remove)).map((i) => i.path)).toContain(path);
      }),
      { numRuns: 300 },
    );
  });

  it('property: an unknown field, at any level, is refused naming it', () => {
    fc.assert(
      fc.property(validRecord, fc.constantFrom('', 'consent', 'childOrFamilyTold'), fc.string({ minLength: 1 }), (record, where, key) => {
        const target = where ? (record[where] as Json) : record;
        fc.pre(!Object.hasOwn(target, key));
        const withExtra = Object.fromEntries([...Object.entries(target), [key, 'x']]);
        const issues = refused(where ? { ...record, [where]: withExtra } : withExtra);
        expect(issues).toContainEqual({ path: where || key, message: `Not allowed here: ${key}` });
      }),
    );
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('refuses the unknown field %s', (key) => {
    const input = Object.fromEntries([...Object.entries(valid()), [key, 1]]);
    expect(refused(input)).toEqual([{ path: key, message: `Not allowed here: ${key}` }]);
  });

  it('property: a NUL character in any string is refused at that string', () => {
    fc.assert(
      fc.property(validRecord, fc.nat(), fc.nat(), (record, n, position) => {
        const paths = stringPaths(record);
        const path = paths[n % paths.length] ?? 'purpose';
        const value = String(at(record, path));
        const cut = position % (value.length + 1);
        const issues = refused(edit(record, path, `${value.slice(0, cut)}\u0000${value.slice(cut)}`));
        expect(issues.map((i) => i.path)).toContain(path);
      }),
      { numRuns: 300 },
    );
  });

  it('property: checkShareRecord and parseInput report any input alike, in Haven’s own words', () => {
    const mutated = validRecord.chain((record) =>
      fc.constantFrom(...fieldPaths(record), ...stringPaths(record)).chain((path) =>
        fc.oneof(
          fc.constant(edit(record, path, remove)),
          fc.jsonValue().map((value) => edit(record, path, value)),
        ),
      ),
    );
    fc.assert(
      fc.property(fc.oneof(mutated, fc.jsonValue()), (input) => {
        const result = checkShareRecord(input);
        let thrown: unknown;
        try {
          parseInput(shareRecord, input);
        } catch (error) {
          thrown = error;
        }
        if (result.ok) {
          expect(thrown).toBeUndefined();
          return;
        }
        expect(thrown).toBeInstanceOf(ValidationError);
        expect((thrown as ValidationError).issues).toEqual(result.issues);
        for (const { message } of result.issues) {
          expect(message).not.toMatch(/^Invalid input|expected \w+, received/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it.each([null, [], 'record', 42, true])('refuses %j as a whole record', (input) => {
    expect(refused(input)).toEqual([issue('', /share record must be an object/)]);
  });
});

describe('consent tag', () => {
  const rows = CONSENT_STATUSES.flatMap((status) => EXEMPTIONS.map((exemption) => [status, exemption] as const));

  it.each(rows)('status %s with exemption %s', (status, exemption) => {
    const exemptionDetail = 'Education Act 1996 s.436A: children missing education.';
    const consent =
      status === 'given'
        ? { ...given, exemption, exemptionDetail }
        : { status, ...(status === 'refused' ? { refusedBy: 'young_person' } : {}), exemption, exemptionDetail };
    const input = { ...valid(), consent };
    if (status === 'given') {
      // An exemption only makes sense without consent: it is a field of another shape.
      expect(refused(input)).toEqual([{ path: 'consent', message: 'Not allowed here: exemption, exemptionDetail' }]);
    } else {
      expect(accepted(input).consent).toEqual(consent);
    }
  });

  it.each(CONSENT_PARTIES)('consent can be given or refused by %s', (party) => {
    expect(accepted({ ...valid(), consent: { ...given, givenBy: party } }).consent).toMatchObject({ givenBy: party });
    expect(accepted({ ...valid(), consent: { ...notSought, status: 'refused', refusedBy: party } }).consent).toMatchObject({ refusedBy: party });
  });

  it.each([
    [{ ...given, givenBy: 'social_worker' }, 'consent.givenBy', /Choose who gave consent/],
    [{ ...notSought, status: 'refused' }, 'consent.refusedBy', /Choose who refused consent/],
    [{ status: 'refused', refusedBy: 'parent', exemptionDetail: 'x' }, 'consent.exemption', /Choose the exemption/],
    [{ status: 'not_sought', exemption: 'because', exemptionDetail: 'x' }, 'consent.exemption', /Choose the exemption/],
    [{ ...given, givenOn: '2026-02-30' }, 'consent.givenOn', /real date/],
    [{ ...given, givenOn: '02/03/2026' }, 'consent.givenOn', /YYYY-MM-DD/],
    [{ status: 'given', givenBy: 'parent' }, 'consent.givenOn', /date consent was given/],
    [{ status: 'maybe' }, 'consent.status', /given, refused or not sought/],
    [{ givenBy: 'parent', givenOn: '2026-03-02' }, 'consent.status', /given, refused or not sought/],
    ['given', 'consent', /given, refused or not sought/],
  ])('refuses %j at %s', (consent, path, message) => {
    expect(refused({ ...valid(), consent })).toEqual([issue(path, message)]);
  });

  it('with other_statutory_basis, the detail must name a statute in at least 10 characters', () => {
    const consent = (exemptionDetail: string) => ({ ...valid(), consent: { ...notSought, exemption: 'other_statutory_basis', exemptionDetail } });
    expect(refused(consent('EA 1996'))).toEqual([issue('consent.exemptionDetail', /Name the Act and section.*at least 10 characters/)]);
    expect(refused(consent('   '))).toEqual([issue('consent.exemptionDetail', /^Say why the exemption applies/)]);
    accepted(consent('EA 1996 s.7'));
    // Counted in characters, as zod counts the other lengths: nine emoji are nine characters.
    expect(refused(consent('😀'.repeat(9)))).toEqual([issue('consent.exemptionDetail', /Name the Act and section/)]);
    // Other exemptions need only a non-blank reason.
    accepted({ ...valid(), consent: { ...notSought, exemption: 'emergency', exemptionDetail: 'Fire.' } });
  });

  it('reports paths inside the tag when parsed on its own', () => {
    const result = consentTag.safeParse({ ...notSought, exemption: 'other_statutory_basis', exemptionDetail: 'short' });
    expect(result.error?.issues.map((i) => i.path)).toEqual([['exemptionDetail']]);
  });
});

describe('consistency rules', () => {
  const consentOf = (status: ConsentStatus): Json =>
    status === 'given' ? { ...given } : status === 'refused' ? { ...notSought, status, refusedBy: 'child' } : { ...notSought };

  it.each(CONSENT_STATUSES.flatMap((status) => ARTICLE6_BASES.map((basis) => [status, basis] as const)))(
    'consent %s with Article 6 basis %s',
    (status, article6Basis) => {
      const input = { ...valid(), consent: consentOf(status), article6Basis };
      if (article6Basis === 'consent' && status !== 'given') {
        const said = status === 'refused' ? 'refused' : 'not sought';
        expect(refused(input)).toEqual([
          { path: 'article6Basis', message: `Consent was ${said}, so the lawful basis cannot be consent. Choose ‘Public task’ or another basis.` },
        ]);
      } else {
        accepted(input);
      }
    },
  );

  it.each(CONSENT_STATUSES.flatMap((status) => ARTICLE9_CONDITIONS.map((condition) => [status, condition] as const)))(
    'consent %s with Article 9 condition %s',
    (status, article9Condition) => {
      const schedule1 = FIT[article9Condition]?.[0];
      const input = {
        ...valid(),
        consent: consentOf(status),
        specialCategory: true,
        article9Condition,
        ...(schedule1 ? { schedule1Condition: schedule1 } : {}),
      };
      if (article9Condition === 'explicit_consent' && status !== 'given') {
        expect(refused(input)).toEqual([issue('article9Condition', /cannot be explicit consent\. Choose ‘Substantial public interest’/)]);
      } else {
        accepted(input);
      }
    },
  );

  it('health information is special category', () => {
    const health = { ...valid(), kindsOfInformation: ['health'] };
    expect(refused(health)).toEqual([issue('specialCategory', /Health information is special-category data\. Set special category to yes/)]);
    // Only the root cause is reported, even though an Article 9 condition would then be missing.
    expect(refused({ ...health, article9Condition: 'health_or_social_care', schedule1Condition: 'public_health' })).toEqual([
      issue('specialCategory', /Health information/),
    ]);
    accepted({ ...health, specialCategory: true, article9Condition: 'health_or_social_care', schedule1Condition: 'health_or_social_care_purposes' });
  });

  it('an Article 9 condition is present exactly when special category is true', () => {
    expect(refused({ ...valid(), specialCategory: true })).toEqual([issue('article9Condition', /choose the Article 9 condition/)]);
    expect(refused({ ...valid(), article9Condition: 'vital_interests' })).toEqual([issue('article9Condition', /^Remove the Article 9 condition/)]);
    accepted({ ...valid(), specialCategory: true, article9Condition: 'vital_interests' });
  });

  const art9Options = [undefined, ...ARTICLE9_CONDITIONS];
  const sch1Options = [undefined, ...SCHEDULE1_CONDITIONS];
  const schedule1Rows = art9Options.flatMap((a) => sch1Options.flatMap((s) => [false, true].map((offending) => [a, s, offending] as const)));

  it.each(schedule1Rows)('Article 9 %s, Schedule 1 %s, offending information %s', (article9Condition, schedule1Condition, offending) => {
    const input = {
      ...valid(),
      consent: { ...given },
      kindsOfInformation: offending ? ['offending_or_antisocial_behaviour'] : ['safeguarding_concern'],
      specialCategory: article9Condition !== undefined,
      ...(article9Condition ? { article9Condition } : {}),
      ...(schedule1Condition ? { schedule1Condition } : {}),
    };
    const fit = article9Condition ? FIT[article9Condition] : null;
    const ok = fit
      ? schedule1Condition !== undefined && fit.includes(schedule1Condition)
      : offending
        ? schedule1Condition !== undefined
        : schedule1Condition === undefined;
    if (ok) {
      accepted(input);
      return;
    }
    const expected = fit
      ? new RegExp(
          `${schedule1Condition ? 'does not go with' : 'needs a DPA 2018 Schedule 1 condition'}.*Choose ${fit.map((c) => `‘${labels.SCHEDULE1_CONDITION_TEXT[c].label}’`).join('.*')}`,
        )
      : schedule1Condition
        ? /^Remove the Schedule 1 condition/
        : /criminal offence data, so it needs a DPA 2018 Schedule 1 condition/;
    expect(refused(input)).toEqual([issue('schedule1Condition', expected)]);
  });

  it('does not judge the Schedule 1 condition until special category and Article 9 agree, but still asks for one for offending information', () => {
    expect(refused({ ...valid(), specialCategory: true, schedule1Condition: 'public_health' })).toEqual([issue('article9Condition', /choose/)]);
    expect(refused({ ...valid(), specialCategory: true, kindsOfInformation: ['offending_or_antisocial_behaviour'] })).toEqual([
      issue('article9Condition', /choose/),
      issue('schedule1Condition', /criminal offence data/),
    ]);
  });

  it.each([
    [{ kindsOfInformation: ['other'] }, 'otherInformationDescription', /describe what they are/],
    [{ kindsOfInformation: ['other'], otherInformationDescription: ' \n ' }, 'otherInformationDescription', /describe what they are/],
    [{ otherInformationDescription: 'Housing benefit claim' }, 'otherInformationDescription', /^Remove the description.*add ‘Other’/],
    [{ legalGateway: 'other' }, 'legalGatewayDetail', /name the Act and section/],
    [{ legalGateway: 'other', legalGatewayDetail: '' }, 'legalGatewayDetail', /name the Act and section/],
    [{ legalGatewayDetail: 'Housing Act 1996 s.213A' }, 'legalGatewayDetail', /^Remove the legal gateway detail.*‘Another legal gateway’/],
  ])('details go with ‘other’: %j is refused at %s', (patch, path, message) => {
    expect(refused({ ...valid(), ...patch })).toEqual([issue(path, message)]);
  });

  it('accepts details with ‘other’, and blank details without it (left out)', () => {
    const record = accepted({
      ...valid(),
      kindsOfInformation: ['other'],
      otherInformationDescription: 'Housing',
      legalGateway: 'other',
      legalGatewayDetail: 'Housing Act 1996 s.213A',
    });
    expect(record).toMatchObject({ otherInformationDescription: 'Housing', legalGatewayDetail: 'Housing Act 1996 s.213A' });
    const blank = accepted({ ...valid(), otherInformationDescription: '  ', legalGatewayDetail: '' });
    expect(Object.keys(blank)).not.toContain('otherInformationDescription');
    expect(Object.keys(blank)).not.toContain('legalGatewayDetail');
  });

  it('does not tie crime-prevention exemptions to the s.115 gateway (s.115 is a power; documented only)', () => {
    accepted({ ...valid(), consent: { ...notSought, exemption: 'prevention_or_detection_of_crime' }, legalGateway: 'children_act_2004_s11' });
  });

  it('reports rule breaches together with problems in other fields', () => {
    expect(refused({ ...valid(), purpose: 'short', article6Basis: 'consent' })).toEqual([
      issue('purpose', /at least 10 characters/),
      issue('article6Basis', /cannot be consent/),
    ]);
  });

  it('applies the rules, with paths, when the record is nested in a request body', () => {
    const body = z.strictObject({ record: shareRecord });
    const result = body.safeParse({ record: { ...valid(), purpose: 'short', article6Basis: 'consent' } });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['record.purpose', 'record.article6Basis']);
  });

  it('waits for the fields a rule reads to be valid before applying the rules', () => {
    expect(refused({ ...valid(), specialCategory: 'yes', article6Basis: 'consent', kindsOfInformation: ['other'] })).toEqual([
      issue('specialCategory', /true or false/),
    ]);
  });
});

describe('kinds of information', () => {
  it.each(INFORMATION_KINDS)('accepts %s', (kind) => {
    const extra = kind === 'other' ? { otherInformationDescription: 'x' } : {};
    const special = kind === 'health' ? { specialCategory: true, article9Condition: 'vital_interests' } : {};
    const schedule1 = kind === 'offending_or_antisocial_behaviour' ? { schedule1Condition: 'preventing_or_detecting_unlawful_acts' } : {};
    accepted({ ...valid(), kindsOfInformation: [kind], ...extra, ...special, ...schedule1 });
  });

  it.each([
    [[], 'kindsOfInformation', /at least one/],
    ['health', 'kindsOfInformation', /at least one/],
    [['education', 'gossip'], 'kindsOfInformation.1', /Choose kinds of information from/],
    [['education', 'education_', 'education'], 'kindsOfInformation.1', /Choose kinds/],
    [['education', 'identity_and_contact', 'education'], 'kindsOfInformation', /once \(repeated: education\)/],
  ])('refuses %j at %s', (kindsOfInformation, path, message) => {
    expect(refused({ ...valid(), kindsOfInformation })).toEqual([issue(path, message)]);
  });
});

describe.each([
  ['article6Basis', ARTICLE6_BASES, /Article 6 lawful basis/],
  ['legalGateway', LEGAL_GATEWAYS, /legal gateway/],
  ['specialCategory', [true, false], /true or false/],
] as const)('%s', (field, values, message) => {
  it.each(values as readonly unknown[])('accepts %s', (value) => {
    const detail = value === 'other' ? { legalGatewayDetail: 'Housing Act 1996 s.213A' } : {};
    const special = value === true ? { article9Condition: 'vital_interests' } : {};
    const consent = value === 'consent' ? { consent: { ...given } } : {};
    accepted({ ...valid(), [field]: value, ...detail, ...special, ...consent });
  });

  it.each([undefined, 'Public task', 'true', 1, null])('refuses %j', (value) => {
    expect(refused(value === undefined ? edit(valid(), field, remove) : { ...valid(), [field]: value })).toEqual([issue(field, message)]);
  });
});

interface TextCase {
  path: string;
  min: number;
  max: number;
  required: boolean;
  put: (value: string) => Json;
}

const TEXT_FIELDS: TextCase[] = [
  { path: 'purpose', min: 10, max: 2000, required: true, put: (value) => ({ ...valid(), purpose: value }) },
  { path: 'necessityAndProportionality', min: 10, max: 2000, required: true, put: (value) => ({ ...valid(), necessityAndProportionality: value }) },
  { path: 'consent.exemptionDetail', min: 1, max: 2000, required: true, put: (value) => ({ ...valid(), consent: { ...notSought, exemptionDetail: value } }) },
  { path: 'childOrFamilyTold.reason', min: 5, max: 1000, required: true, put: (value) => ({ ...valid(), childOrFamilyTold: { told: false, reason: value } }) },
  { path: 'consent.givenByName', min: 1, max: 200, required: false, put: (value) => ({ ...valid(), consent: { ...given, givenByName: value } }) },
  {
    path: 'otherInformationDescription',
    min: 1,
    max: 1000,
    required: true,
    put: (value) => ({ ...valid(), kindsOfInformation: ['other'], otherInformationDescription: value }),
  },
  { path: 'legalGatewayDetail', min: 1, max: 1000, required: true, put: (value) => ({ ...valid(), legalGateway: 'other', legalGatewayDetail: value }) },
];

it.each(TEXT_FIELDS.filter(({ min }) => min > 1))('text field $path refuses one character too few, saying how many are needed', ({ path, min, put }) => {
  expect(refused(put(`   ${'a'.repeat(min - 1)}   `))).toEqual([issue(path, new RegExp(`must be at least ${min} characters`))]);
});

describe.each(TEXT_FIELDS)('text field $path', ({ path, min, max, required, put }) => {
  it('is trimmed before its length is checked', () => {
    expect(at(accepted(put(` \t${'a'.repeat(min)}\u00a0\n`)), path)).toBe('a'.repeat(min));
    expect(at(accepted(put(`  ${'a'.repeat(max)}  `)), path)).toBe('a'.repeat(max));
  });

  it('counts characters, not UTF-16 units: an emoji is one', () => {
    expect(at(accepted(put('😀'.repeat(max))), path)).toBe('😀'.repeat(max));
  });

  it('refuses one character too many', () => {
    expect(refused(put('a'.repeat(max + 1)))).toEqual([issue(path, new RegExp(`must be ${max} characters or fewer`))]);
  });

  it(required ? 'treats blank as missing and asks for it' : 'treats blank as not given and leaves it out', () => {
    if (required) {
      const [only, ...rest] = refused(put(' \n\t '));
      expect(rest).toEqual([]);
      expect(only?.path).toBe(path);
      expect(only?.message).not.toMatch(/characters/);
    } else {
      const record = accepted(put(' \n\t '));
      expect(Object.keys(at(record, path.split('.')[0] ?? '') as Json)).not.toContain(path.split('.')[1]);
      expect(() => canonicalJson(record)).not.toThrow();
    }
  });

  it('refuses a NUL character, saying so', () => {
    expect(refused(put(`${'a'.repeat(min)}\u0000`))).toEqual([issue(path, /Remove the NUL character/)]);
  });

  it('refuses a value that is not text', () => {
    expect(refused(put(42 as unknown as string))).toEqual([issue(path, /./)]);
  });
});

describe('childOrFamilyTold', () => {
  it.each([
    [{ told: true, reason: 'They know already.' }, 'childOrFamilyTold', /Not allowed here: reason/],
    [{ told: false }, 'childOrFamilyTold.reason', /Say why the child or family was not told/],
    [{ told: 'no' }, 'childOrFamilyTold.told', /Say whether the child or family was told/],
    [true, 'childOrFamilyTold', /Say whether the child or family was told/],
  ])('refuses %j at %s', (childOrFamilyTold, path, message) => {
    expect(refused({ ...valid(), childOrFamilyTold })).toEqual([issue(path, message)]);
  });

  it('accepts told: true on its own', () => {
    accepted({ ...valid(), childOrFamilyTold: { told: true } });
  });
});

describe('labels for the consent picker', () => {
  const maps = [
    ['CONSENT_STATUS_TEXT', labels.CONSENT_STATUS_TEXT, CONSENT_STATUSES],
    ['CONSENT_PARTY_TEXT', labels.CONSENT_PARTY_TEXT, CONSENT_PARTIES],
    ['EXEMPTION_TEXT', labels.EXEMPTION_TEXT, EXEMPTIONS],
    ['INFORMATION_KIND_TEXT', labels.INFORMATION_KIND_TEXT, INFORMATION_KINDS],
    ['ARTICLE6_BASIS_TEXT', labels.ARTICLE6_BASIS_TEXT, ARTICLE6_BASES],
    ['ARTICLE9_CONDITION_TEXT', labels.ARTICLE9_CONDITION_TEXT, ARTICLE9_CONDITIONS],
    ['SCHEDULE1_CONDITION_TEXT', labels.SCHEDULE1_CONDITION_TEXT, SCHEDULE1_CONDITIONS],
    ['LEGAL_GATEWAY_TEXT', labels.LEGAL_GATEWAY_TEXT, LEGAL_GATEWAYS],
  ] as const;

  it.each(maps)('%s has a distinct label and a one-line help sentence for every value, and nothing else', (_name, map, values) => {
    expect(Object.keys(map).sort()).toEqual([...values].sort());
    const entries: labels.OptionText[] = Object.values(map);
    expect(new Set(entries.map((entry) => entry.label)).size).toBe(values.length);
    for (const { label, help } of entries) {
      expect(label).toMatch(/^[A-Z].*[^.]$/);
      expect(help).toMatch(/^[A-Z].*\.$/);
      expect(help).not.toContain('\n');
    }
  });

  it('tells the practitioner that refusing or not seeking consent needs a named exemption', () => {
    expect(labels.CONSENT_STATUS_TEXT.not_sought).toEqual({ label: 'Consent not sought', help: expect.stringMatching(/you must name the exemption/) });
    expect(labels.CONSENT_STATUS_TEXT.refused.help).toMatch(/name the exemption/);
  });
});

import { z } from 'zod';
import { childGender } from '../db/schema';
import { isoDate, personName, reason, uuidParam } from '../shared/schemas';

const text = (label: string, max: number) =>
  z
    .string({ message: `Enter the ${label}` })
    .trim()
    .min(1, `Enter the ${label}`)
    .max(max, `The ${label} must be ${max} characters or fewer`);
const optionalText = (label: string, max: number) => text(label, max).nullish();

/** UK postcode, written with or without the space; stored in its usual form (e.g. "NM1 4QT"). */
export const postcode = z
  .string({ message: 'Enter the postcode' })
  .trim()
  .toUpperCase()
  .transform((value) => value.replace(/\s+/g, ''))
  .pipe(z.string().regex(/^[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}$/, 'Enter a real postcode, like NM1 4QT'))
  .transform((value) => `${value.slice(0, -3)} ${value.slice(-3)}`);

const parent = z.strictObject({
  name: personName,
  relationship: z.enum(['mother', 'father', 'parental_responsibility', 'carer'], {
    message: 'Choose the relationship: mother, father, person with parental responsibility, or carer',
  }),
  contact: optionalText('parent’s contact details', 300).transform((v) => v ?? null),
  /** Keep this person's identity out of onward shares and subject-access output (e.g. a parent in a refuge). */
  protectIdentity: z.boolean().optional(),
});

/**
 * Exactly the fields the protocol permits on an index entry (DESIGN §1, minimum data).
 * Anything else — case notes, reasons, health details — is refused, naming the field.
 */
export const childDetails = z.strictObject({
  name: personName,
  dateOfBirth: isoDate,
  gender: z.enum(childGender.enumValues, { message: 'Choose female, male, other or not recorded' }),
  address: text('address', 500),
  postcode,
  parents: z.array(parent).max(6, 'Record at most 6 parents or carers').default([]),
  schoolOrSetting: optionalText('school or setting', 200),
  gp: optionalText('GP', 200),
  healthVisitor: optionalText('health visitor', 200),
});

export const createChildBody = childDetails.extend({
  /** Why the child is being indexed: a child is only on the index while an agency is involved or a concern is open. */
  basis: z.enum(['involved', 'concern'], { message: 'Say whether your agency provides a service to this child or you are raising a concern' }),
  /** Set after Haven offered possible duplicates and the practitioner confirmed this is a different child. */
  confirmNotDuplicate: z.boolean().optional(),
});

export const searchQuery = z
  .strictObject({
    name: z.string().trim().min(2, 'Enter at least 2 letters of the name').max(200).optional(),
    dateOfBirth: isoDate.optional(),
    postcode: z
      .string()
      .trim()
      .toUpperCase()
      .transform((v) => v.replace(/\s+/g, ''))
      .pipe(z.string().regex(/^[A-Z]{1,2}\d[A-Z\d]?(\d[A-Z]{2})?$/, 'Enter a postcode, or the first half of one, like NM1'))
      .optional(),
  })
  .refine((q) => q.name ?? q.dateOfBirth ?? q.postcode, { message: 'Search by name, date of birth or postcode', path: ['name'] });

export const openBody = z.strictObject({ reason });

export const reasonBody = z.strictObject({ reason });

export const contactBody = z.strictObject({
  service: text('name of the service', 200),
  contact: text('contact details', 300),
});

export const childIdParam = uuidParam;

/** Appointing a lead practitioner: who (a practitioner of the admin's own agency) and why. */
export const appointLeadBody = z.strictObject({
  userId: z.uuid({ message: 'Choose the practitioner to appoint' }),
  reason: z
    .string({ message: 'Enter why you are appointing them' })
    .trim()
    .min(10, 'Say in at least 10 characters why you are appointing them')
    .max(1000, 'The reason must be 1000 characters or fewer'),
});

// The "Add a child to the index" form: exactly the fields the protocol permits, the reason
// for adding the child, and the possible duplicates the server may offer instead.
import { childIndex, duplicatesOf } from './children.svelte';
import { FormState, type FieldErrors } from './form.svelte';
import type { ChildGender, NewChildBody, ParentRelationship, PossibleDuplicate } from './types';
import { Checks } from './validate';

export const MAX_PARENTS = 6;
const POSTCODE = /^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$/i;

export interface ParentDraft {
  name: string;
  relationship: string;
  contact: string;
}

const blankParent = (): ParentDraft => ({ name: '', relationship: '', contact: '' });
const isBlank = (p: ParentDraft) => !p.name.trim() && !p.relationship && !p.contact.trim();

const parentFields = Array.from({ length: MAX_PARENTS }, (_, i) => [`parents-${i}-name`, `parents-${i}-relationship`, `parents-${i}-contact`]).flat();

export class NewChildForm {
  readonly form = new FormState('new-child', [
    'name',
    'dateOfBirth',
    'gender',
    'address',
    'postcode',
    'schoolOrSetting',
    'gp',
    'healthVisitor',
    'basis',
    ...parentFields,
  ]);

  name = $state('');
  dateOfBirth = $state('');
  gender = $state('');
  address = $state('');
  postcode = $state('');
  schoolOrSetting = $state('');
  gp = $state('');
  healthVisitor = $state('');
  parents = $state<ParentDraft[]>([blankParent()]);
  basis = $state('');
  /** Entries already on the index that may be this child (409 `possible_duplicate`). */
  duplicates = $state<PossibleDuplicate[]>([]);

  addParent(): void {
    if (this.parents.length < MAX_PARENTS) this.parents.push(blankParent());
  }

  removeParent(index: number): void {
    this.parents.splice(index, 1);
    // Errors are keyed by position, which has just changed.
    this.form.reset();
  }

  /** Adds the child; `confirmNotDuplicate` after the user said the offered entries are someone else. */
  submit(confirmNotDuplicate = false): Promise<boolean> {
    if (!confirmNotDuplicate) this.duplicates = [];
    return this.form.submit(
      () => this.check(),
      async () => {
        try {
          await childIndex.create(this.body(confirmNotDuplicate));
        } catch (error) {
          this.duplicates = duplicatesOf(error) ?? [];
          throw error;
        }
      },
    );
  }

  private check(): FieldErrors {
    // Drop blank parents first, so positions match the server's `parents.<n>` error paths.
    const filled = this.parents.filter((p) => !isBlank(p));
    if (filled.length !== this.parents.length) this.parents = filled.length ? filled : [blankParent()];
    const checks = new Checks()
      .required('name', this.name, "Enter the child's full name")
      .date('dateOfBirth', this.dateOfBirth, "Enter the child's date of birth", { notFuture: true })
      .required('gender', this.gender, "Select the child's gender, or 'Not recorded'")
      .required('address', this.address, "Enter the child's address")
      .required('postcode', this.postcode, 'Enter the postcode');
    if (this.postcode.trim() && !POSTCODE.test(this.postcode.trim())) checks.errors['postcode'] ??= 'Enter a real postcode, like NM1 4QT';
    this.parents.forEach((parent, i) => {
      if (isBlank(parent)) return;
      checks.required(`parents-${i}-name`, parent.name, `Enter the name of parent or carer ${i + 1}`);
      checks.required(`parents-${i}-relationship`, parent.relationship, `Select how parent or carer ${i + 1} is related to the child`);
    });
    checks.required('basis', this.basis, 'Select why you are adding this child');
    return checks.errors;
  }

  private body(confirmNotDuplicate: boolean): NewChildBody {
    const optional = (value: string) => value.trim() || null;
    return {
      name: this.name.trim(),
      dateOfBirth: this.dateOfBirth,
      gender: this.gender as ChildGender,
      address: this.address.trim(),
      postcode: this.postcode.trim(),
      schoolOrSetting: optional(this.schoolOrSetting),
      gp: optional(this.gp),
      healthVisitor: optional(this.healthVisitor),
      parents: this.parents
        .filter((p) => !isBlank(p))
        .map((p) => ({ name: p.name.trim(), relationship: p.relationship as ParentRelationship, contact: optional(p.contact) })),
      basis: this.basis as 'involved' | 'concern',
      ...(confirmNotDuplicate ? { confirmNotDuplicate: true } : {}),
    };
  }
}

// Access reports from the audit log (admins, within their scope): who has accessed a child's
// information, and what a user has accessed, oldest first, with the same report as a CSV
// download. Reading a report is itself audited.
import { users as usersApi } from './api';
import { reports, type ReportKind, type ReportRange } from './api-admin';
import { FormState } from './form.svelte';
import type { AuditEntry, User } from './types';
import { Checks } from './validate';

export interface Report {
  kind: ReportKind;
  /** Who or what the report is about, in words for its heading. */
  about: string;
  range: ReportRange;
  entries: AuditEntry[];
  csvUrl: string;
}

/** From and to are optional dates; to must not come before from. */
function checkRange(checks: Checks, range: ReportRange): Checks {
  if (range.from) checks.date('from', range.from, '');
  if (range.to) checks.date('to', range.to, '');
  if (range.from && range.to && range.from > range.to) checks.errors['to'] ??= 'The "to" date must be the same as or after the "from" date';
  return checks;
}

const cleaned = (range: ReportRange): ReportRange => ({ from: range.from || undefined, to: range.to || undefined });

export class AccessReports {
  users = $state.raw<User[]>([]);
  usersFailed = $state(false);
  report = $state.raw<Report | null>(null);
  readonly childForm = new FormState('child-report', ['childId', 'from', 'to']);
  readonly userForm = new FormState('user-report', ['userId', 'from', 'to']);

  /** Everyone in this admin's scope, to pick from. */
  async loadUsers(): Promise<void> {
    try {
      this.users = [...(await usersApi.list('all')).users].sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      this.usersFailed = true;
    }
  }

  aboutChild(childId: string, range: ReportRange): Promise<boolean> {
    const id = childId.trim().toLowerCase();
    return this.childForm.submit(
      () => checkRange(new Checks().identifier('childId', id, 'Enter the child’s record identifier'), range).errors,
      () => this.show('child', id, `the child with record identifier ${id}`, cleaned(range)),
    );
  }

  aboutUser(userId: string, range: ReportRange): Promise<boolean> {
    return this.userForm.submit(
      () => checkRange(new Checks().required('userId', userId, 'Select a user'), range).errors,
      () => this.show('user', userId, this.users.find((u) => u.id === userId)?.name ?? 'this user', cleaned(range)),
    );
  }

  private async show(kind: ReportKind, id: string, about: string, range: ReportRange): Promise<void> {
    this.report = null;
    const { entries } = await reports.get(kind, id, range);
    this.report = { kind, about, range, entries, csvUrl: reports.csvUrl(kind, id, range) };
  }
}

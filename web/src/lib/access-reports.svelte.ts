// Access reports from the audit log (admins, within their scope): who has accessed a child's
// information, and what a user has accessed, oldest first, with the same report as a CSV
// download. Reading a report is itself audited. The child is found by searching the index (the
// ordinary search: audited, shielded children left out) and picked from the results.
import { children as childrenApi, users as usersApi } from './api';
import { reports, type ReportKind, type ReportRange } from './api-admin';
import { FormState } from './form.svelte';
import type { AuditEntry, ChildSummary, User } from './types';
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
  /** Children the last search found (null before any search), and the one picked for the report. */
  matches = $state.raw<ChildSummary[] | null>(null);
  matchTotal = $state(0);
  chosen = $state.raw<ChildSummary | null>(null);
  readonly searchForm = new FormState('child-report-search', ['name', 'dateOfBirth']);
  readonly childForm = new FormState('child-report', ['from', 'to']);
  readonly userForm = new FormState('user-report', ['userId', 'from', 'to']);

  /** Everyone in this admin's scope, to pick from. */
  async loadUsers(): Promise<void> {
    try {
      this.users = [...(await usersApi.list('all')).users].sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      this.usersFailed = true;
    }
  }

  /** Searches the index by name, and date of birth to tell children apart. */
  searchChild(name: string, dateOfBirth: string): Promise<boolean> {
    const terms = { name: name.trim(), dateOfBirth };
    return this.searchForm.submit(
      () => {
        const checks = new Checks();
        if (terms.name.length < 2) checks.errors['name'] = 'Enter at least 2 letters of the child’s name';
        if (terms.dateOfBirth) checks.date('dateOfBirth', terms.dateOfBirth, '', { notFuture: true });
        return checks.errors;
      },
      async () => {
        this.chosen = null;
        this.report = null;
        const found = await childrenApi.search({ name: terms.name, dateOfBirth: terms.dateOfBirth || undefined });
        this.matches = found.children;
        this.matchTotal = found.total;
      },
    );
  }

  choose(child: ChildSummary | null): void {
    this.chosen = child;
    this.report = null;
    this.childForm.reset();
  }

  aboutChild(range: ReportRange): Promise<boolean> {
    const child = this.chosen;
    return this.childForm.submit(
      () => checkRange(new Checks(), range).errors,
      () => (child ? this.show('child', child.id, child.name, cleaned(range)) : Promise.resolve()),
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

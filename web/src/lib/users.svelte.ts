// Admin view of users: the filtered list, and the actions that change one user.
import { ApiError, agencies, users } from './api';
import { session } from './session.svelte';
import type { Agency, CreatedInvite, Role, User, UserStatusFilter, VerifyUserBody } from './types';
import { ROLES } from './types';

export class UsersState {
  list = $state<User[]>([]);
  status = $state<UserStatusFilter>('pending');
  agencyId = $state('');
  agencies = $state<Agency[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Short confirmation for the live region; never names the person. */
  announcement = $state('');
  /** The user just verified, for the success banner: the reloaded list may no longer show them. */
  justVerified = $state<User | null>(null);

  /** Roles this admin may grant: only a system admin grants the admin roles. */
  readonly grantableRoles = $derived<readonly Role[]>(session.isSystemAdmin ? ROLES : ['practitioner', 'designated_officer']);

  private requestId = 0;

  async load(): Promise<void> {
    const id = ++this.requestId;
    this.justVerified = null;
    this.loading = true;
    this.error = null;
    try {
      const res = await users.list(this.status, this.agencyId || undefined);
      if (id !== this.requestId) return;
      this.list = res.users;
      this.announcement = `${res.users.length} ${res.users.length === 1 ? 'user' : 'users'} found`;
    } catch (error) {
      if (id !== this.requestId) return;
      this.error = error instanceof ApiError ? error.message : 'The list of users could not be loaded.';
    } finally {
      if (id === this.requestId) this.loading = false;
    }
  }

  /** System admins can filter and invite across agencies. */
  async loadAgencies(): Promise<void> {
    if (!session.isSystemAdmin) return;
    try {
      this.agencies = (await agencies.list()).agencies;
    } catch {
      this.agencies = [];
    }
  }

  /** Reloads the list, so a verified user leaves "Waiting for verification". */
  async verify(id: string, body: VerifyUserBody): Promise<void> {
    const { user } = await users.verify(id, body);
    this.replace(user);
    await this.load();
    this.justVerified = user;
    this.announcement = 'User verified';
  }

  async suspend(id: string, reason: string): Promise<void> {
    this.replace((await users.suspend(id, reason)).user);
    this.announcement = 'User suspended';
  }

  async reinstate(id: string, reason: string): Promise<void> {
    this.replace((await users.reinstate(id, reason)).user);
    this.announcement = 'User reinstated';
  }

  invite(body: { email: string; agencyId: string; role: Role }): Promise<CreatedInvite> {
    return users.invite(body);
  }

  private replace(user: User): void {
    this.list = this.list.map((u) => (u.id === user.id ? user : u));
  }
}

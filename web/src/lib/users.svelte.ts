// Admin view of users: the filtered list, and the actions that change one user.
import { ApiError, agencies, users } from './api';
import { keyAttestation } from './api-admin';
import { identityKeys } from './keys.svelte';
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
  /** Whether the admin's attestation of that user's keys was accepted, and if not, why. */
  keysOutcome = $state<{ ok: true } | { ok: false; message: string } | null>(null);

  /** Roles this admin may grant: only a system admin grants the admin roles. */
  readonly grantableRoles = $derived<readonly Role[]>(session.isSystemAdmin ? ROLES : ['practitioner', 'designated_officer']);

  private requestId = 0;

  async load(): Promise<void> {
    const id = ++this.requestId;
    this.justVerified = null;
    this.keysOutcome = null;
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

  /**
   * Reloads the list, so a verified user leaves "Waiting for verification". With `checkedFingerprint`
   * (the admin compared it with the user), the admin then signs the binding of user to keys.
   */
  async verify(id: string, body: VerifyUserBody, checkedFingerprint?: string): Promise<void> {
    const { user } = await users.verify(id, body);
    this.replace(user);
    const keysOutcome = checkedFingerprint ? await this.attestKeys(id, checkedFingerprint) : null;
    await this.load();
    this.justVerified = user;
    this.keysOutcome = keysOutcome;
    this.announcement = keysOutcome?.ok ? 'User verified and keys confirmed' : 'User verified';
  }

  private async attestKeys(userId: string, fingerprint: string): Promise<{ ok: true } | { ok: false; message: string }> {
    try {
      if (!identityKeys.ready) return { ok: false, message: 'Your own keys are not ready in this browser. Reload the page and try again.' };
      await keyAttestation.attest(userId, { fingerprint, attestation: identityKeys.attest(userId, fingerprint) });
      return { ok: true };
    } catch (error) {
      return { ok: false, message: error instanceof ApiError ? error.message : 'Their keys could not be confirmed. Try again.' };
    }
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

// The admins' side of recovering a lost authenticator app (docs/sign-in.md): start one after
// checking who the person is, confirm another admin's (the two-person rule), and confirm the new
// keys of someone who had to make them after a recovery.
import { ApiError } from './api';
import { keyAttestation } from './api-admin';
import { identityKeys } from './keys.svelte';
import { mfaRecoveries, type IdentityCheckMethod, type MfaRecovery } from './mfa-recovery';

export class MfaRecoveriesState {
  list = $state<MfaRecovery[]>([]);
  error = $state<string | null>(null);
  announcement = $state('');

  get awaiting(): MfaRecovery[] {
    return this.list.filter((r) => r.status === 'awaiting_confirmation');
  }

  async load(): Promise<void> {
    try {
      this.list = (await mfaRecoveries.list()).recoveries;
      this.error = null;
    } catch (error) {
      this.error = error instanceof ApiError ? error.message : 'The recoveries could not be loaded. Reload the page.';
    }
  }

  async request(userId: string, input: { method: IdentityCheckMethod; checkedAt: string; reason: string }): Promise<MfaRecovery> {
    const { recovery } = await mfaRecoveries.request(userId, { identityCheck: { method: input.method, checkedAt: input.checkedAt }, reason: input.reason });
    this.announcement = recovery.status === 'link_sent' ? 'Recovery link e-mailed' : 'Recovery waiting for a second admin';
    await this.load();
    return recovery;
  }

  async confirm(id: string): Promise<void> {
    await mfaRecoveries.confirm(id);
    this.announcement = 'Recovery confirmed; link e-mailed';
    await this.load();
  }

  /** Cancels an open recovery: its link stops working, and the person and the other admins are told. */
  async cancel(id: string, reason: string): Promise<void> {
    await mfaRecoveries.cancel(id, reason);
    this.announcement = 'Recovery cancelled';
    await this.load();
  }

  /** Signs the person's new keys with this admin's own key, after comparing the fingerprint with them. */
  async attestNewKeys(recovery: MfaRecovery): Promise<void> {
    const fingerprint = recovery.newKeysFingerprint;
    if (!fingerprint) return;
    if (!identityKeys.ready) throw new ApiError(0, 'keys_not_ready', 'Your own keys are not ready in this browser. Reload the page and try again.');
    await keyAttestation.attest(recovery.userId, { fingerprint, attestation: identityKeys.attest(recovery.userId, fingerprint) });
    this.announcement = 'New keys confirmed';
  }
}

/** One list for the users screen and every user card on it. */
export const adminRecoveries = new MfaRecoveriesState();

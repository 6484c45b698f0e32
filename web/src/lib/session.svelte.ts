// The signed-in state: which stage of sign-in we are at, who the user is, whether they
// can share. The realtime connection lives only while the stage is `active`.
import { auth, getSession, setSignedOutHandler } from './api';
import { connectRealtime } from './realtime';
import { passkeyAlone, passkeyAsSecondFactor } from './passkeys';
import { SHIELD_ROLES, type Enrolment, type Role, type Session } from './types';

export type LoadState = 'loading' | 'ready' | 'failed';

/** What the sign-in screen says after the server ended the session, by `session:ended` reason. */
const ENDED = 'Your session has ended. Sign in again to continue.';
const ENDED_NOTICES: Record<string, string> = {
  signed_out: 'You signed out of Haven in another window.',
  signed_out_everywhere: 'You have been signed out of Haven on every device. Sign in again to continue.',
  expired: 'Your session has expired. Sign in again to continue.',
  suspended: 'Your account has been suspended, so you have been signed out. Contact your agency admin.',
};

class SessionState {
  load = $state<LoadState>('loading');
  current = $state<Session | null>(null);
  /** Shown once on the sign-in screen after the server ended the session. */
  notice = $state<string | null>(null);

  private disconnect: (() => void) | null = null;
  private readonly endListeners = new Set<() => void>();
  private readonly activeListeners = new Set<(userId: string) => void>();

  get active(): boolean {
    return this.current?.stage === 'active';
  }

  get role(): Role | null {
    return this.active ? (this.current?.user.role ?? null) : null;
  }

  get isAdmin(): boolean {
    return this.role === 'agency_admin' || this.role === 'system_admin';
  }

  get isSystemAdmin(): boolean {
    return this.role === 'system_admin';
  }

  /** The children's index is readable by verified users and by expired ones (who cannot share). */
  get canReadIndex(): boolean {
    const status = this.active ? this.current?.user.status : undefined;
    return status === 'verified' || status === 'expired';
  }

  /** A suspended user can only sign out: no keys, no live connection (the server refuses both). */
  get suspended(): boolean {
    return this.active && this.current?.user.status === 'suspended';
  }

  /** Adding to the index, involvement, concerns and contacts are shares. */
  get canShare(): boolean {
    return this.active && (this.current?.sharing.allowed ?? false);
  }

  /** Shielding and overriding a shield: designated officers and admins with current verification. */
  get canShield(): boolean {
    const role = this.role;
    return role !== null && SHIELD_ROLES.includes(role) && this.current?.user.status === 'verified';
  }

  /** Registers a callback for when the signed-in user ends or changes, to drop what they saw. */
  onEnd(listener: () => void): void {
    this.endListeners.add(listener);
  }

  /** Registers a callback for when a user's session becomes fully active (at once if it already is). */
  onActive(listener: (userId: string) => void): void {
    this.activeListeners.add(listener);
    const userId = this.active ? this.current?.user.id : undefined;
    if (userId) listener(userId);
  }

  async refresh(): Promise<void> {
    try {
      this.set(await getSession());
      this.load = 'ready';
    } catch {
      this.load = 'failed';
    }
  }

  async signIn(email: string, password: string): Promise<void> {
    this.notice = null;
    this.set((await auth.signIn(email, password)).session);
  }

  async submitCode(code: string): Promise<void> {
    this.set((await auth.submitCode(code)).session);
  }

  /** A passkey instead of the code, after the password. */
  async usePasskey(): Promise<void> {
    this.set((await passkeyAsSecondFactor()).session);
  }

  /** A passkey alone, where the person's agency allows it. */
  async signInWithPasskey(): Promise<void> {
    this.notice = null;
    this.set((await passkeyAlone()).session);
  }

  startEnrolment(): Promise<Enrolment> {
    return auth.startEnrolment();
  }

  async confirmEnrolment(code: string): Promise<void> {
    this.set((await auth.confirmEnrolment(code)).session);
  }

  async signOut(everywhere = false): Promise<void> {
    // Our own socket would otherwise hear `session:ended` and show the wrong message.
    this.stopRealtime();
    try {
      await (everywhere ? auth.signOutEverywhere() : auth.signOut());
    } catch (error) {
      if (this.active) this.startRealtime();
      throw error;
    }
    this.notice = 'You have signed out.';
    await this.refresh();
  }

  /** Back to the sign-in screen without the user's say-so (ended elsewhere, expired). */
  async ended(reason?: string): Promise<void> {
    this.set(null);
    this.notice = (reason && ENDED_NOTICES[reason]) || ENDED;
    await this.refresh();
  }

  private async refused(): Promise<void> {
    await this.refresh();
    if (!this.current) this.notice = ENDED;
  }

  private set(session: Session | null): void {
    const wasActive = this.active;
    const previousUser = this.current?.user.id;
    this.current = session;
    const nowActive = this.active;
    if (wasActive && (!nowActive || previousUser !== session?.user.id)) this.stopRealtime();
    if (previousUser && previousUser !== session?.user.id) for (const listener of this.endListeners) listener();
    // The live connection carries conversations: for verified users and lapsed ones (who still read), not before verification.
    if (this.canReadIndex && !this.disconnect) this.startRealtime();
    else if (!this.canReadIndex) this.stopRealtime();
    if (session && nowActive && (!wasActive || previousUser !== session.user.id)) for (const listener of this.activeListeners) listener(session.user.id);
  }

  private startRealtime(): void {
    this.disconnect = connectRealtime({
      onSessionEnded: (reason) => void this.ended(reason),
      onRefused: () => void this.refused(),
      onSharing: (sharing) => {
        if (this.current) this.current = { ...this.current, sharing };
      },
    });
  }

  private stopRealtime(): void {
    this.disconnect?.();
    this.disconnect = null;
  }
}

export const session = new SessionState();
setSignedOutHandler(() => void session.ended());

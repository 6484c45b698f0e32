// Backing up this browser's keys under a recovery passphrase, restoring them in another browser,
// and — when the passphrase is lost — replacing them (docs/key-backup.md). Argon2id makes each
// of these take a second or so, on purpose, so a restore shows its steps as it goes.
import { ApiError, keys as api } from './api';
import { FormState, type FieldErrors } from './form.svelte';
import { identityKeys, RestoreError, type RestoreStep } from './keys.svelte';
import { nextPaint, stepsUpTo, type ProgressStep } from './progress';

const MIN_LENGTH = 12;

const RESTORE_STEPS = [
  'Fetching your key backup',
  'Checking your passphrase and unlocking your keys (this can take a few seconds)',
  'Checking they are the keys Haven publishes for you',
  'Keeping them in this browser',
] as const;
const STEP_INDEX: Record<RestoreStep, number> = { unlocking: 1, checking: 2, keeping: 3 };
const STEP_STATUS = [
  'Fetching your key backup…',
  'Checking your passphrase… (this can take a few seconds)',
  'Checking your keys…',
  'Keeping your keys in this browser…',
  'Done.',
] as const;

export class KeyBackupState {
  /** Whether the server holds a backup: null until asked. */
  hasBackup = $state<boolean | null>(null);
  passphrase = $state('');
  again = $state('');
  done = $state<string | null>(null);
  readonly create = new FormState('key-backup', ['passphrase', 'again']);
  readonly restore = new FormState('key-restore', ['passphrase']);
  /** Restore with the printed recovery key instead of the passphrase. */
  usingRecoveryKey = $state(false);
  /** A recovery key just made: shown once, until the person says they have kept it. */
  recoveryKeyShown = $state<string | null>(null);
  recoveryKeyError = $state<string | null>(null);
  makingRecoveryKey = $state(false);
  /** The restore step under way (past the last once done); null when no restore has started. */
  restoreStep = $state<number | null>(null);

  get restoreSteps(): ProgressStep[] {
    return this.restoreStep === null ? [] : stepsUpTo(RESTORE_STEPS, this.restoreStep);
  }

  get restoreStatus(): string {
    return this.restoreStep === null ? '' : (STEP_STATUS[this.restoreStep] ?? '');
  }

  get restored(): boolean {
    return this.restoreStep === RESTORE_STEPS.length;
  }

  async check(): Promise<void> {
    // The status, not the backup: a page view neither downloads it nor counts as reading it.
    this.hasBackup = (await api.backupStatus()).exists;
  }

  save(): Promise<boolean> {
    return this.create.submit(
      () => {
        const errors: FieldErrors = {};
        if (this.passphrase.length < MIN_LENGTH) errors['passphrase'] = `Your recovery passphrase must be at least ${MIN_LENGTH} characters`;
        else if (this.again !== this.passphrase) errors['again'] = 'The passphrases do not match';
        return errors;
      },
      async () => {
        // Argon2id holds the page for a second or more: show that it is working first.
        await nextPaint();
        await api.saveBackup(await identityKeys.backup(this.passphrase));
        this.reset('Your keys are backed up. Keep your recovery passphrase somewhere safe.');
        this.hasBackup = true;
      },
    );
  }

  unlock(): Promise<boolean> {
    return this.restore.submit(
      (): FieldErrors => (this.passphrase ? {} : { passphrase: this.usingRecoveryKey ? 'Enter your recovery key' : 'Enter your recovery passphrase' }),
      async () => {
        this.restoreStep = 0;
        try {
          const { backup } = await api.backup();
          await identityKeys.restore(
            backup,
            this.passphrase,
            async (step) => {
              this.restoreStep = STEP_INDEX[step];
              // Unlocking holds the page for a second or more: let the step show first.
              await nextPaint();
            },
            this.usingRecoveryKey ? 'recovery_key' : 'passphrase',
          );
        } catch (error) {
          this.restoreStep = null;
          if (error instanceof RestoreError) throw new ApiError(0, 'restore_failed', error.message, [{ path: 'passphrase', message: error.message }]);
          throw error;
        }
        this.restoreStep = RESTORE_STEPS.length;
        this.reset('Your keys are restored in this browser.');
      },
    );
  }

  async replace(): Promise<void> {
    await identityKeys.replaceAll();
    this.hasBackup = false;
    this.reset(
      'New keys are set up in this browser, and your colleagues will see that your keys changed. Messages and summaries sealed to your old keys — everything shared with you before now — can no longer be opened, by you or anyone. Create a recovery passphrase for the new keys now.',
    );
  }

  /**
   * Adds a second way to open the backup: a printable recovery key, wrapped around the same keys
   * and stored beside the passphrase wrapping (reading the backup to add it is audited, as any read).
   */
  async makeRecoveryKey(): Promise<void> {
    this.makingRecoveryKey = true;
    this.recoveryKeyError = null;
    try {
      const { backup } = await api.backup();
      const { recoveryKey, wrap } = await identityKeys.wrapForNewRecoveryKey();
      await api.saveBackup({ ...backup, recoveryKey: wrap });
      this.recoveryKeyShown = recoveryKey;
    } catch (error) {
      this.recoveryKeyError = error instanceof ApiError ? error.message : 'Your recovery key could not be made. Try again.';
    } finally {
      this.makingRecoveryKey = false;
    }
  }

  private reset(done: string): void {
    this.passphrase = '';
    this.again = '';
    this.done = done;
  }
}

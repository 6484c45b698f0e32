// Backing up this browser's keys under a recovery passphrase, restoring them in another browser,
// and — when the passphrase is lost — replacing them (docs/key-backup.md). Argon2id makes each
// of these take a second or so, on purpose.
import { ApiError, keys as api } from './api';
import { FormState, type FieldErrors } from './form.svelte';
import { identityKeys, RestoreError } from './keys.svelte';

const MIN_LENGTH = 12;

export class KeyBackupState {
  /** Whether the server holds a backup: null until asked. */
  hasBackup = $state<boolean | null>(null);
  passphrase = $state('');
  again = $state('');
  done = $state<string | null>(null);
  readonly create = new FormState('key-backup', ['passphrase', 'again']);
  readonly restore = new FormState('key-restore', ['passphrase']);

  async check(): Promise<void> {
    try {
      await api.backup();
      this.hasBackup = true;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'no_key_backup') this.hasBackup = false;
      else throw error;
    }
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
        await api.saveBackup(await identityKeys.backup(this.passphrase));
        this.reset('Your keys are backed up. Keep your recovery passphrase somewhere safe.');
        this.hasBackup = true;
      },
    );
  }

  unlock(): Promise<boolean> {
    return this.restore.submit(
      (): FieldErrors => (this.passphrase ? {} : { passphrase: 'Enter your recovery passphrase' }),
      async () => {
        const { backup } = await api.backup();
        try {
          await identityKeys.restore(backup, this.passphrase);
        } catch (error) {
          if (error instanceof RestoreError) throw new ApiError(0, 'restore_failed', error.message, [{ path: 'passphrase', message: error.message }]);
          throw error;
        }
        this.reset('Your keys are restored in this browser.');
      },
    );
  }

  async replace(): Promise<void> {
    await identityKeys.replaceAll();
    this.hasBackup = false;
    this.reset('New keys are set up in this browser. Create a recovery passphrase for them now.');
  }

  private reset(done: string): void {
    this.passphrase = '';
    this.again = '';
    this.done = done;
  }
}

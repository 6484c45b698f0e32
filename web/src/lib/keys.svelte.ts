// This user's identity keys in this browser (docs/sealed-note.md): made here on first sign-in,
// private halves kept in IndexedDB, public halves published once. They seal and open the
// summaries of verbal shares. libsodium is loaded after sign-in, in a chunk of its own, so the
// sign-in page stays small.
import type { Envelope, EnvelopeHeader, IdentityKeys, KeyBackup, KeyGrant, NoteContext, OpenedNote, SealedNoteV2 } from '../../../crypto';
import { ApiError, keys as api } from './api';
import { keepKeys, loadKeys, replaceKeys } from './key-store';
import { session } from './session.svelte';
import type { PublicKeys } from './types';

/** `elsewhere`: the server has keys for this user that this browser does not hold. */
export type KeyStatus = 'none' | 'loading' | 'ready' | 'elsewhere' | 'failed';

/** Where a restore has got to, for the screen to show (each is awaited before it starts). */
export type RestoreStep = 'unlocking' | 'checking' | 'keeping';

/** A restore that could not be done, in words for the user. */
export class RestoreError extends Error {
  override readonly name = 'RestoreError';
}

type Crypto = typeof import('../../../crypto');
let loading: Promise<Crypto> | null = null;

/** crypto/ with libsodium's WebAssembly started (once). */
export function loadCrypto(): Promise<Crypto> {
  loading ??= import('../../../crypto').then(async (module) => {
    await module.ready();
    return module;
  });
  // A failed download is tried again next time rather than remembered.
  loading.catch(() => (loading = null));
  return loading;
}

/** What publishing these keys sends: the public halves and this browser's proof that it holds them, for this user. */
function publication(crypto: Crypto, userId: string, keys: IdentityKeys) {
  const { signPublicKey, boxPublicKey } = crypto.publicIdentity(keys);
  return { signPublicKey, boxPublicKey, proof: crypto.proveKeyPossession({ userId, signPublicKey, boxPublicKey }, keys.signPrivateKey) };
}

/** "3f9a0c…" → "3f9a 0c…", easier to read aloud and compare. */
export function groupFingerprint(hex: string): string {
  return hex.replace(/(.{4})(?=.)/g, '$1 ');
}

class KeysState {
  status = $state<KeyStatus>('none');
  /** The fingerprint of the keys published for this user (this browser's when `ready`). */
  fingerprint = $state<string | null>(null);
  /** When the keys the server publishes for this user were made: anything stored before was sealed to them or to earlier keys. */
  keysSince = $state<string | null>(null);

  /** Whose keys these are (set while signed in). */
  userId: string | null = null;
  private keys: IdentityKeys | null = null;
  private crypto: Crypto | null = null;
  private run = 0;

  constructor() {
    // A suspended user's keys stay untouched: the server answers only their sign-out.
    session.onActive((userId) => void (session.suspended ? undefined : this.start(userId)));
    session.onEnd(() => this.clear());
  }

  /** This browser's signing key, to check the signature on this user's own messages. */
  get signPublicKey(): Uint8Array | null {
    return this.ready ? (this.keys?.signPublicKey ?? null) : null;
  }

  get ready(): boolean {
    return this.status === 'ready';
  }

  /** This browser cannot use the keys (not merely still loading them): they are in another browser, or could not be loaded. */
  get unusable(): boolean {
    return this.status === 'elsewhere' || this.status === 'failed';
  }

  /** Why an envelope (a message, a written record) stays closed in this browser, or null while the keys may still open it. */
  whyClosed(noun: string): string | null {
    if (this.status === 'elsewhere') return `This ${noun} cannot be opened in this browser: your encryption keys are in another browser.`;
    if (this.status === 'failed') return `This ${noun} cannot be opened: your encryption keys could not be loaded in this browser.`;
    return null;
  }

  /**
   * Whether an envelope these keys could not decrypt was stored before they were made: then it was
   * sealed to earlier keys, replaced since (a lost passphrase and recovery key), and can never be
   * opened again — what the person is told, rather than a vaguer failure (docs/key-backup.md).
   */
  sealedToEarlierKeys(storedAt: string): boolean {
    return this.keysSince !== null && new Date(storedAt).getTime() < new Date(this.keysSince).getTime();
  }

  /** Loads this browser's keys, or makes and publishes them when the user has none anywhere. */
  async start(userId: string): Promise<void> {
    this.clear();
    const run = this.run;
    this.userId = userId;
    this.status = 'loading';
    try {
      const crypto = await loadCrypto();
      const [local, published] = await Promise.all([loadKeys(userId), this.published()]);
      if (run !== this.run) return;
      const fingerprintOf = (keys: IdentityKeys) => crypto.keyFingerprint(crypto.publicIdentity(keys));
      if (published === null) {
        // Stored before publishing, so that keys the server knows are never lost to a failed save.
        const mine = local ?? (await keepKeys(userId, crypto.generateIdentity()));
        const answer = await api.publish(publication(crypto, userId, mine));
        if (run !== this.run) return;
        this.settle(crypto, answer.keys.fingerprint === fingerprintOf(mine) ? mine : null, answer.keys.fingerprint, answer.keys.createdAt);
      } else {
        this.settle(crypto, local && fingerprintOf(local) === published.fingerprint ? local : null, published.fingerprint, published.createdAt);
      }
    } catch (error) {
      if (run !== this.run) return;
      // Another tab published different keys a moment before us: look again.
      if (error instanceof ApiError && error.code === 'keys_exist') return this.start(userId);
      console.error(error);
      this.status = 'failed';
    }
  }

  /** Seals `text` to the given readers and signs it as this user (sealed note v2); this user is always a reader, with this browser's key. */
  async seal(text: string, context: NoteContext, readers: { userId: string; boxPublicKey: Uint8Array }[]): Promise<SealedNoteV2> {
    const crypto = await loadCrypto();
    if (!this.ready || !this.keys || !this.userId) throw new Error('keys are not ready');
    const me = { userId: this.userId, boxPublicKey: this.keys.boxPublicKey };
    // Readers' keys come checked against the key log (key-log.svelte.ts), never straight from the directory.
    const others = readers.filter((r) => r.userId !== me.userId).map((r) => ({ userId: r.userId, boxPublicKey: r.boxPublicKey }));
    return crypto.sealNote(text, context, [me, ...others], { userId: this.userId, signPrivateKey: this.keys.signPrivateKey });
  }

  /**
   * Opens a note addressed to this user, checking a v2 note's signature with `author`'s key
   * (checked against the key log by the caller). Throws crypto's SignatureError when the author
   * did not sign it, and other errors when it cannot be opened in this browser.
   */
  openNote(note: unknown, context: NoteContext, author: { userId: string; signPublicKey: Uint8Array }): OpenedNote {
    if (!this.ready || !this.keys || !this.userId || !this.crypto) throw new Error('keys are not ready');
    return this.crypto.openNote(note, context, { userId: this.userId, ...this.keys }, author);
  }

  /** Seals a message envelope to the recipients (already checked against the key log) and to this user, and signs it. */
  sealMessage(header: EnvelopeHeader, body: string, recipients: { userId: string; boxPublicKey: Uint8Array }[]): Envelope {
    if (!this.ready || !this.keys || !this.userId || !this.crypto) throw new Error('keys are not ready');
    const sender = { userId: this.userId, signPrivateKey: this.keys.signPrivateKey, boxPublicKey: this.keys.boxPublicKey };
    return this.crypto.sealEnvelope({ header, body, sender, recipients });
  }

  /** Opens an envelope addressed to this user, checking the sender's signature; throws when it cannot. */
  openMessage(envelope: unknown, senderSignPublicKey: Uint8Array): { header: EnvelopeHeader; text: string } {
    if (!this.ready || !this.keys || !this.userId || !this.crypto) throw new Error('keys are not ready');
    const reader = { userId: this.userId, boxPublicKey: this.keys.boxPublicKey, boxPrivateKey: this.keys.boxPrivateKey };
    const { header, body } = this.crypto.openEnvelope(this.crypto.parseEnvelope(envelope), reader, senderSignPublicKey);
    return { header, text: new TextDecoder().decode(body) };
  }

  /**
   * Wraps the key of a written record this user can read for an officer it waits for, whose keys
   * the caller checked against the key log, and signs the grant (crypto/key-grant.ts).
   */
  grantKey(envelope: unknown, senderSignPublicKey: Uint8Array, to: { userId: string; boxPublicKey: Uint8Array; keyFingerprint: string }): KeyGrant {
    if (!this.ready || !this.keys || !this.userId || !this.crypto) throw new Error('keys are not ready');
    const granter = {
      userId: this.userId,
      signPrivateKey: this.keys.signPrivateKey,
      boxPublicKey: this.keys.boxPublicKey,
      boxPrivateKey: this.keys.boxPrivateKey,
    };
    return this.crypto.grantEnvelopeKey({ envelope: this.crypto.parseEnvelope(envelope), senderSignPublicKey, granter, to });
  }

  /**
   * Opens a record this user was waiting for through the key grant made for them: the grant must fit
   * the record's signed header and be signed by the granter it names (keys from the key log), and
   * the body must open under the author's signature. Throws when any of it fails.
   */
  openGranted(
    envelope: unknown,
    grant: unknown,
    keys: { senderSignPublicKey: Uint8Array; granter: { signPublicKey: Uint8Array; fingerprint: string } },
  ): { header: EnvelopeHeader; text: string } {
    if (!this.ready || !this.keys || !this.userId || !this.crypto) throw new Error('keys are not ready');
    const reader = { userId: this.userId, boxPublicKey: this.keys.boxPublicKey, boxPrivateKey: this.keys.boxPrivateKey };
    const { header, body } = this.crypto.openEnvelopeWithGrant(this.crypto.parseEnvelope(envelope), this.crypto.parseKeyGrant(grant), reader, keys);
    return { header, text: new TextDecoder().decode(body) };
  }

  /**
   * An admin's signed statement that this user holds the keys with this fingerprint
   * (docs/key-log.md, "Admin attestation"), made with this browser's signing key, which stays here.
   */
  attest(userId: string, fingerprint: string): string {
    if (!this.ready || !this.keys || !this.crypto) throw new Error('keys are not ready');
    return this.crypto.attestKey({ userId, fingerprint }, this.keys.signPrivateKey);
  }

  /** This browser's keys encrypted under the recovery passphrase (Argon2id: slow on purpose). */
  async backup(passphrase: string): Promise<KeyBackup> {
    const crypto = await loadCrypto();
    if (!this.ready || !this.keys || !this.userId) throw new Error('keys are not ready');
    return crypto.backupKeys(this.keys, this.userId, passphrase);
  }

  /**
   * A new printable recovery key, and this browser's keys wrapped under it (docs/key-backup.md,
   * "The printable recovery key"): the key is shown once and kept nowhere.
   */
  async wrapForNewRecoveryKey(): Promise<{ recoveryKey: string; wrap: NonNullable<KeyBackup['recoveryKey']> }> {
    const crypto = await loadCrypto();
    if (!this.ready || !this.keys || !this.userId) throw new Error('keys are not ready');
    const recoveryKey = crypto.newRecoveryKey();
    return { recoveryKey, wrap: crypto.wrapKeysWithRecoveryKey(this.keys, this.userId, recoveryKey) };
  }

  /**
   * Opens the backup with the passphrase (or the printed recovery key), checks it holds the
   * published keys, and keeps them in this browser. `onStep` is awaited before each step, so the
   * screen can show it first.
   */
  async restore(
    backup: KeyBackup,
    secret: string,
    onStep: (step: RestoreStep) => Promise<void> = () => Promise.resolve(),
    using: 'passphrase' | 'recovery_key' = 'passphrase',
  ): Promise<void> {
    const crypto = await loadCrypto();
    const userId = this.userId;
    const run = this.run;
    if (!userId || this.status !== 'elsewhere') throw new Error('nothing to restore');
    let restored: IdentityKeys;
    await onStep('unlocking');
    try {
      if (using === 'recovery_key') {
        if (!backup.recoveryKey) throw new RestoreError('You have not made a recovery key for this backup. Use your recovery passphrase.');
        restored = crypto.restoreKeysWithRecoveryKey(backup.recoveryKey, userId, secret);
      } else {
        restored = crypto.restoreKeys(backup, userId, secret);
      }
    } catch (error) {
      if (error instanceof RestoreError) throw error;
      if (error instanceof crypto.DecryptError)
        throw new RestoreError(using === 'recovery_key' ? 'This is not your recovery key.' : 'The recovery passphrase is not right.');
      if (using === 'recovery_key' && error instanceof crypto.MalformedInputError) throw new RestoreError(`Check your recovery key: ${error.message}.`);
      throw new RestoreError('Your key backup could not be read. Ask your administrator for help.');
    }
    await onStep('checking');
    const published = this.fingerprint;
    if (!published || crypto.keyFingerprint(crypto.publicIdentity(restored)) !== published) {
      throw new RestoreError('Your key backup holds older keys than the ones you use now, so it cannot be used.');
    }
    await onStep('keeping');
    // Signed out (or signed in again) while the steps were shown: these keys are not for this session.
    if (run !== this.run) throw new Error('the session changed during the restore');
    await replaceKeys(userId, restored);
    this.settle(crypto, restored, published);
  }

  /** Makes new keys and publishes them in place of the old ones (when the passphrase is lost). */
  async replaceAll(): Promise<void> {
    const crypto = await loadCrypto();
    const userId = this.userId;
    if (!userId) throw new Error('not signed in');
    const fresh = crypto.generateIdentity();
    await replaceKeys(userId, fresh);
    const answer = await api.replace(publication(crypto, userId, fresh));
    this.settle(crypto, fresh, answer.keys.fingerprint, answer.keys.createdAt);
  }

  /** Forgets the keys held in memory (they stay in IndexedDB) and abandons any start under way. */
  clear(): void {
    this.run++;
    this.status = 'none';
    this.fingerprint = null;
    this.keysSince = null;
    this.userId = null;
    this.keys = null;
  }

  private async published(): Promise<PublicKeys | null> {
    return (await api.mine()).keys;
  }

  private settle(crypto: Crypto, keys: IdentityKeys | null, fingerprint: string, since?: string): void {
    if (since !== undefined) this.keysSince = since;
    this.crypto = crypto;
    this.keys = keys;
    this.fingerprint = fingerprint;
    this.status = keys ? 'ready' : 'elsewhere';
  }
}

export const identityKeys = new KeysState();

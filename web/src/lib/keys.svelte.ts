// This user's identity keys in this browser (docs/sealed-note.md): made here on first sign-in,
// private halves kept in IndexedDB, public halves published once. They seal and open the
// summaries of verbal shares. libsodium is loaded after sign-in, in a chunk of its own, so the
// sign-in page stays small.
import type { IdentityKeys, NoteContext, SealedNote } from '../../../crypto';
import { ApiError, keys as api } from './api';
import { keepKeys, loadKeys } from './key-store';
import { session } from './session.svelte';
import type { PublicKeys } from './types';

/** `elsewhere`: the server has keys for this user that this browser does not hold. */
export type KeyStatus = 'none' | 'loading' | 'ready' | 'elsewhere' | 'failed';

type Crypto = typeof import('../../../crypto');
let loading: Promise<Crypto> | null = null;

/** crypto/ with libsodium's WebAssembly started (once). */
function loadCrypto(): Promise<Crypto> {
  loading ??= import('../../../crypto').then(async (module) => {
    await module.ready();
    return module;
  });
  // A failed download is tried again next time rather than remembered.
  loading.catch(() => (loading = null));
  return loading;
}

/** "3f9a0c…" → "3f9a 0c…", easier to read aloud and compare. */
export function groupFingerprint(hex: string): string {
  return hex.replace(/(.{4})(?=.)/g, '$1 ');
}

class KeysState {
  status = $state<KeyStatus>('none');
  /** The fingerprint of the keys published for this user (this browser's when `ready`). */
  fingerprint = $state<string | null>(null);

  private userId: string | null = null;
  private keys: IdentityKeys | null = null;
  private crypto: Crypto | null = null;
  private run = 0;

  constructor() {
    session.onActive((userId) => void this.start(userId));
    session.onEnd(() => this.clear());
  }

  get ready(): boolean {
    return this.status === 'ready';
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
        const answer = await api.publish(crypto.publicIdentity(mine));
        if (run !== this.run) return;
        this.settle(crypto, answer.keys.fingerprint === fingerprintOf(mine) ? mine : null, answer.keys.fingerprint);
      } else {
        this.settle(crypto, local && fingerprintOf(local) === published.fingerprint ? local : null, published.fingerprint);
      }
    } catch (error) {
      if (run !== this.run) return;
      // Another tab published different keys a moment before us: look again.
      if (error instanceof ApiError && error.code === 'keys_exist') return this.start(userId);
      console.error(error);
      this.status = 'failed';
    }
  }

  /** Seals `text` to the given readers; this user is always one of them, with this browser's key. */
  async seal(text: string, context: NoteContext, readers: PublicKeys[]): Promise<SealedNote> {
    const crypto = await loadCrypto();
    if (!this.ready || !this.keys || !this.userId) throw new Error('keys are not ready');
    const me = { userId: this.userId, boxPublicKey: this.keys.boxPublicKey };
    const others = readers.filter((r) => r.userId !== me.userId).map((r) => ({ userId: r.userId, boxPublicKey: crypto.fromBase64Url(r.boxPublicKey) }));
    return crypto.sealNote(text, context, [me, ...others]);
  }

  /** Opens a note addressed to this user; null when it cannot be opened in this browser. */
  open(note: SealedNote, context: NoteContext): string | null {
    if (!this.ready || !this.keys || !this.userId || !this.crypto) return null;
    try {
      return this.crypto.openNote(note, context, { userId: this.userId, ...this.keys });
    } catch {
      return null;
    }
  }

  /** Forgets the keys held in memory (they stay in IndexedDB) and abandons any start under way. */
  clear(): void {
    this.run++;
    this.status = 'none';
    this.fingerprint = null;
    this.userId = null;
    this.keys = null;
  }

  private async published(): Promise<PublicKeys | null> {
    return (await api.mine()).keys;
  }

  private settle(crypto: Crypto, keys: IdentityKeys | null, fingerprint: string): void {
    this.crypto = crypto;
    this.keys = keys;
    this.fingerprint = fingerprint;
    this.status = keys ? 'ready' : 'elsewhere';
  }
}

export const identityKeys = new KeysState();

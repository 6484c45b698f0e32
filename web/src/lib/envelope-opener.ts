// Opening envelopes on this device — a conversation's messages or the special file's written
// records: the sender's signature is checked with their key from the key log (or this
// browser's own key for the user's own envelopes). Nothing is opened on the server.
import type { EnvelopeHeader } from '../../../crypto';
import { KeyCheckError, keyLog } from './key-log.svelte';
import { identityKeys } from './keys.svelte';
import type { Stored } from './messaging.svelte';

export type Opened = { state: 'opened'; header: EnvelopeHeader; text: string } | { state: 'closed'; problem: string };

export class EnvelopeOpener {
  // A cache of promises, never shown, so not reactive.
  private readonly senderKeys = new Map<string, Promise<Uint8Array>>();

  constructor(
    private readonly me: string,
    private readonly nameOf: (userId: string) => string,
    /** What the envelope is called in a problem shown to the user. */
    private readonly noun = 'message',
  ) {}

  async open(m: Stored): Promise<Opened> {
    try {
      const key = await this.signingKey(m.senderId);
      const { header, text } = identityKeys.openMessage(m.envelope, key);
      return { state: 'opened', header, text };
    } catch (error) {
      if (error instanceof KeyCheckError) return { state: 'closed', problem: `This ${this.noun} cannot be shown: ${error.message}` };
      return { state: 'closed', problem: `This ${this.noun} cannot be opened in this browser, or its signature does not match the sender’s keys.` };
    }
  }

  private signingKey(userId: string): Promise<Uint8Array> {
    const mine = identityKeys.signPublicKey;
    if (userId === this.me && mine) return Promise.resolve(mine);
    let key = this.senderKeys.get(userId);
    if (!key) {
      key = keyLog.verify([{ id: userId, name: this.nameOf(userId) }]).then(([verified]) => {
        if (!verified) throw new KeyCheckError('the sender’s keys could not be checked.');
        return verified.signPublicKey;
      });
      key.catch(() => this.senderKeys.delete(userId));
      this.senderKeys.set(userId, key);
    }
    return key;
  }
}

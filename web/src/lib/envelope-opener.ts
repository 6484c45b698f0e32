// Opening envelopes on this device — a conversation's messages or the special file's written
// records: the sender's signature is checked with their key from the key log (or this
// browser's own key for the user's own envelopes), then the signed header is compared with where
// the server lists the envelope (checkEnvelopePlacement): a message moved to another thread or
// child, or one envelope served twice, is not shown but reported. Nothing is opened on the server.
import type { EnvelopeHeader, EnvelopeKind, EnvelopeListing, PlacementProblem } from '../../../crypto';
import { integrity } from './api';
import { KeyCheckError, keyLog } from './key-log.svelte';
import { identityKeys, loadCrypto } from './keys.svelte';
import type { Stored } from './messaging.svelte';
import { session } from './session.svelte';

export type Opened =
  /** `senderUnconfirmed`: no certified admin of the sender's agency has confirmed the keys that signed it (docs/key-log.md). */
  | { state: 'opened'; header: EnvelopeHeader; text: string; senderUnconfirmed: boolean }
  | { state: 'closed'; problem: string }
  | { state: 'altered'; problem: string };

/** Where each envelope opened in this session was listed, by envelope id, across every conversation and special file. */
const placements = new Map<string, EnvelopeListing>();
session.onEnd(() => placements.clear());

export class EnvelopeOpener {
  // A cache of promises, never shown, so not reactive.
  private readonly senderKeys = new Map<string, Promise<{ signPublicKey: Uint8Array; vouched: boolean }>>();

  constructor(
    private readonly me: string,
    private readonly nameOf: (userId: string) => string,
    /** What the envelope is called in a problem shown to the user. */
    private readonly noun = 'message',
    /** The kind of envelope this place holds, when it holds only one (the special file: written records). */
    private readonly kind?: EnvelopeKind,
  ) {}

  /** Opens `m`, listed by the server in its thread about `childId`. */
  async open(m: Stored, childId: string): Promise<Opened> {
    let opened: { header: EnvelopeHeader; text: string };
    let vouched: boolean;
    try {
      const key = await this.signingKey(m.senderId);
      vouched = key.vouched;
      opened = identityKeys.openMessage(m.envelope, key.signPublicKey);
    } catch (error) {
      if (error instanceof KeyCheckError) return { state: 'closed', problem: `This ${this.noun} cannot be shown: ${error.message}` };
      return { state: 'closed', problem: `This ${this.noun} cannot be opened in this browser, or its signature does not match the sender’s keys.` };
    }
    const crypto = await loadCrypto();
    const listedAs: EnvelopeListing = { id: m.id, threadId: m.threadId, childId, ...(this.kind ? { kind: this.kind } : {}) };
    const placement = crypto.checkEnvelopePlacement({ header: opened.header, listedAs, seen: placements });
    if (!placement.ok) {
      this.report(m, placement.altered);
      return { state: 'altered', problem: this.alteredText(placement.altered) };
    }
    placements.set(opened.header.id, listedAs);
    // The sender's view of the key log, compared with this device's: a fork stops sealing (key-log.svelte.ts).
    if (opened.header.v === 2 && opened.header.keyLogHead) void keyLog.witness(opened.header.keyLogHead);
    return { state: 'opened', ...opened, senderUnconfirmed: !vouched };
  }

  /** Words for the reader: what they are not seeing and why, and that the admins know. */
  private alteredText(problem: PlacementProblem): string {
    const where =
      problem === 'id_seen_twice' || problem === 'id_differs'
        ? `a copy of a ${this.noun} that is shown elsewhere`
        : `a ${this.noun} that was written for a different ${problem === 'child_differs' ? 'child' : problem === 'kind_differs' ? 'purpose' : 'conversation'}`;
    return `This ${this.noun} is not shown because it was changed on Haven’s server: it is ${where}. Do not rely on it. Haven’s system administrators have been told automatically; you can also tell your agency’s Haven administrator.`;
  }

  private report(m: Stored, reason: PlacementProblem): void {
    // Best effort: the notice on screen does not depend on it, and a failed report is not worth a second error.
    integrity.report({ kind: 'envelope_misplaced', messageId: m.id, threadId: m.threadId, reason }).catch((error: unknown) => console.error(error));
  }

  private signingKey(userId: string): Promise<{ signPublicKey: Uint8Array; vouched: boolean }> {
    const mine = identityKeys.signPublicKey;
    if (userId === this.me && mine) return Promise.resolve({ signPublicKey: mine, vouched: true });
    let key = this.senderKeys.get(userId);
    if (!key) {
      key = keyLog.verify([{ id: userId, name: this.nameOf(userId) }]).then(([verified]) => {
        if (!verified) throw new KeyCheckError('the sender’s keys could not be checked.');
        return { signPublicKey: verified.signPublicKey, vouched: verified.trust.vouched };
      });
      key.catch(() => this.senderKeys.delete(userId));
      this.senderKeys.set(userId, key);
    }
    return key;
  }
}

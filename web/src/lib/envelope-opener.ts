// Opening envelopes on this device — a conversation's messages or the special file's written
// records: the sender's signature is checked with their key from the key log (or this
// browser's own key for the user's own envelopes), then the signed header is compared with where
// the server lists the envelope (checkEnvelopePlacement): a message moved to another thread or
// child, or one envelope served twice, is not shown but reported. Nothing is opened on the server.
import type { AttachmentDescriptor, EnvelopeHeader, EnvelopeKind, EnvelopeListing, PlacementProblem } from '../../../crypto';
import { integrity } from './api';
import { formatTime } from './format';
import { KeyCheckError, keyLog } from './key-log.svelte';
import { identityKeys, loadCrypto } from './keys.svelte';
import type { Stored } from './messaging.svelte';
import { session } from './session.svelte';

export type Opened =
  /** `senderUnconfirmed`: no certified admin of the sender's agency has confirmed the keys that signed it (docs/key-log.md). */
  /** `attachments`: the files the signed body describes (docs/attachments.md); `text` is the body's text without them. */
  | { state: 'opened'; header: EnvelopeHeader; text: string; attachments: AttachmentDescriptor[]; senderUnconfirmed: boolean }
  | { state: 'closed'; problem: string }
  | { state: 'altered'; problem: string }
  /** A written record filed before this user had keys (envelope v3 names them pending), with no key grant for them yet. */
  | { state: 'waiting' };

/** Someone's signing key from the key log, whether a certified admin vouches for it, and the fingerprint of their keys. */
interface SenderKey {
  signPublicKey: Uint8Array;
  vouched: boolean;
  fingerprint: string;
}

/** Where each envelope opened in this session was listed, by envelope id, across every conversation and special file. */
const placements = new Map<string, EnvelopeListing>();
session.onEnd(() => placements.clear());

export class EnvelopeOpener {
  // A cache of promises, never shown, so not reactive.
  private readonly senderKeys = new Map<string, Promise<SenderKey>>();

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
      const waitedFor = this.waitedFor(m);
      if (waitedFor === 'no_grant') return { state: 'waiting' };
      opened = waitedFor ? await this.openGranted(m, waitedFor, key) : identityKeys.openMessage(m.envelope, key.signPublicKey);
    } catch (error) {
      if (error instanceof KeyCheckError) return { state: 'closed', problem: `This ${this.noun} cannot be shown: ${error.message}` };
      const crypto = await loadCrypto();
      // Stored before this user's current keys were made: sealed to earlier ones (their own, signed with them too).
      if ((error instanceof crypto.DecryptError || m.senderId === this.me) && identityKeys.sealedToEarlierKeys(m.storedAt)) {
        return {
          state: 'closed',
          problem: `This ${this.noun} was sealed to your earlier encryption keys, which you replaced on ${formatTime(identityKeys.keysSince ?? m.storedAt)}. It can no longer be opened, by you or anyone.`,
        };
      }
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
    if (opened.header.v !== 1 && opened.header.keyLogHead) void keyLog.witness(opened.header.keyLogHead);
    let body: { text: string; attachments: AttachmentDescriptor[] };
    try {
      body = crypto.decodeBody(opened.text);
    } catch {
      return { state: 'closed', problem: `This ${this.noun} says it carries files, but their description is not valid.` };
    }
    return { state: 'opened', header: opened.header, text: body.text, attachments: body.attachments, senderUnconfirmed: !vouched };
  }

  /**
   * For a record whose signed header names this user as pending (they had no keys when it was
   * filed): the key grant listed for them, or 'no_grant' while there is none. Undefined otherwise.
   * The header is only read here to choose the path; the grant path checks it with the signature.
   */
  private waitedFor(m: Stored): Record<string, unknown> | 'no_grant' | undefined {
    const header = (m.envelope as { header?: { v?: unknown; pending?: unknown } } | null)?.header;
    if (header?.v !== 3 || !Array.isArray(header.pending) || !header.pending.includes(this.me)) return undefined;
    return (m.keyGrants ?? []).find((g) => g['userId'] === this.me) ?? 'no_grant';
  }

  /**
   * Opens through a key grant: only one signed by a reader the record's signed header names (its
   * author or a recipient), with that reader's keys checked against the key log.
   */
  private async openGranted(m: Stored, grant: Record<string, unknown>, sender: SenderKey): Promise<{ header: EnvelopeHeader; text: string }> {
    const granterId = typeof grant['granterId'] === 'string' ? grant['granterId'] : '';
    const granter = await this.signingKey(granterId);
    return identityKeys.openGranted(m.envelope, grant, { senderSignPublicKey: sender.signPublicKey, granter });
  }

  /** The sender's signing key, checked against the key log (this browser's own for the user's own records). */
  senderKey(userId: string): Promise<Uint8Array> {
    return this.signingKey(userId).then((k) => k.signPublicKey);
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

  private signingKey(userId: string): Promise<SenderKey> {
    const mine = identityKeys.signPublicKey;
    if (userId === this.me && mine) return Promise.resolve({ signPublicKey: mine, vouched: true, fingerprint: identityKeys.fingerprint ?? '' });
    let key = this.senderKeys.get(userId);
    if (!key) {
      key = keyLog.verify([{ id: userId, name: this.nameOf(userId) }]).then(([verified]) => {
        if (!verified) throw new KeyCheckError('the sender’s keys could not be checked.');
        return { signPublicKey: verified.signPublicKey, vouched: verified.trust.vouched, fingerprint: verified.fingerprint };
      });
      key.catch(() => this.senderKeys.delete(userId));
      this.senderKeys.set(userId, key);
    }
    return key;
  }
}

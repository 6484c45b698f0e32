import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import {
  checkPublishedKeys,
  fromBase64Url,
  generateIdentity,
  keyFingerprint,
  openEnvelope,
  parseEnvelope,
  publicIdentity,
  sealEnvelope,
  type Envelope,
  type EnvelopeHeader,
  type IdentityKeys,
  type KeyLogEntry,
  type SignedTreeHead,
} from '../../crypto';
import type { ClientToServerEvents, ServerToClientEvents, SyncedMessage } from '../../server/realtime/events';
import { shareRecord } from '../../server/shares/share-record';
import type { ApiClient } from './client';
import { publishKeys } from './keys';
import { testLogPublicKey } from './trust-roots';

export const welfareRecord = shareRecord.parse({
  consent: { status: 'given', givenBy: 'parent', givenOn: '2026-11-20' },
  purpose: 'Coordinate support for the family this week',
  kindsOfInformation: ['family_and_household', 'safeguarding_concern'],
  article6Basis: 'public_task',
  specialCategory: false,
  legalGateway: 'children_act_2004_s10',
  necessityAndProportionality: 'Only what the team around the child needs this week',
  childOrFamilyTold: { told: true },
});

/**
 * A practitioner's client as the browser would be: their own keys, a socket, and sealing,
 * signing and opening done locally. The server only ever sees envelopes.
 */
export class Practitioner {
  readonly keys: IdentityKeys = generateIdentity();
  userId = '';
  socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  readonly received: SyncedMessage[] = [];

  constructor(readonly api: ApiClient) {}

  get fingerprint(): string {
    return keyFingerprint(publicIdentity(this.keys));
  }

  async publishKeys(): Promise<void> {
    const res = await publishKeys(this.api, this.keys);
    if (res.status !== 201) throw new Error(`publishing keys failed: ${res.status}`);
    this.userId = res.body.keys.userId;
  }

  /**
   * What the web client checks before it seals to someone (docs/key-log.md): the directory's keys
   * for them are their newest entry in the key log, under a head signed by the log key this
   * client was built with (the test trust roots), never a key the server hands over.
   */
  async checkKeysOf(userId: string) {
    const [keys] = (await this.api.get<{ keys: { signPublicKey: string; boxPublicKey: string }[] }>(`/api/keys?userIds=${userId}`)).body.keys;
    if (!keys) throw new Error('no keys in the directory');
    const log = (await this.api.get<{ entry: KeyLogEntry; index: number; proof: string[]; head: SignedTreeHead }>(`/api/key-log/proof?userId=${userId}`)).body;
    return checkPublishedKeys({ userId, keys: { signPublicKey: keys.signPublicKey, boxPublicKey: keys.boxPublicKey }, log, logPublicKey: testLogPublicKey() });
  }

  async connect(): Promise<void> {
    this.socket?.close();
    const socket = this.api.socket();
    socket.on('share:new', (message) => this.received.push(message));
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
    this.socket = socket;
  }

  disconnect(): void {
    this.socket?.close();
    this.socket = null;
  }

  private requireSocket(): Socket<ServerToClientEvents, ClientToServerEvents> {
    if (!this.socket) throw new Error('not connected');
    return this.socket;
  }

  /** Seals and signs a message to the other participants, as the web client does. */
  seal(thread: { id: string; childId: string }, others: Practitioner[], text: string, over: Partial<EnvelopeHeader> = {}): Envelope {
    const sorted = [...others].sort((a, b) => (a.userId < b.userId ? -1 : 1));
    const header: EnvelopeHeader = {
      v: 1,
      id: randomUUID(),
      kind: 'message',
      threadId: thread.id,
      childId: thread.childId,
      senderId: this.userId,
      senderKeyFingerprint: this.fingerprint,
      recipients: sorted.map((p) => ({ userId: p.userId, keyFingerprint: p.fingerprint })),
      tier: 'welfare',
      record: welfareRecord,
      sentAt: new Date().toISOString(),
      replyTo: null,
      corrects: null,
      correctionReason: null,
      ...over,
    };
    return sealEnvelope({
      header,
      body: text,
      sender: { userId: this.userId, signPrivateKey: this.keys.signPrivateKey, boxPublicKey: this.keys.boxPublicKey },
      recipients: sorted.map((p) => ({ userId: p.userId, boxPublicKey: p.keys.boxPublicKey })),
    });
  }

  send(envelope: unknown) {
    return this.requireSocket().timeout(10_000).emitWithAck('share:send', { envelope });
  }

  sync(cursor: number) {
    return this.requireSocket().timeout(10_000).emitWithAck('sync:since', { cursor });
  }

  /** Opens a received envelope with this practitioner's private key, checking the sender's signature. */
  open(message: { envelope: Record<string, unknown> | null }, sender: Practitioner): string {
    if (!message.envelope) throw new Error('revoked');
    const { body } = openEnvelope(
      parseEnvelope(message.envelope),
      { userId: this.userId, boxPublicKey: this.keys.boxPublicKey, boxPrivateKey: this.keys.boxPrivateKey },
      sender.keys.signPublicKey,
    );
    return new TextDecoder().decode(body);
  }
}

export { fromBase64Url };

/** Finds a demo child by name and starts a conversation about them with the others, as the web client does. */
export async function startConversation(sender: Practitioner, others: Practitioner[], childName: string): Promise<{ id: string; childId: string }> {
  const child = (await sender.api.get<{ children: { id: string }[] }>(`/api/children?name=${encodeURIComponent(childName)}`)).body.children[0]?.id;
  if (!child) throw new Error(`no child called ${childName}`);
  const res = await sender.api.post<{ thread: { id: string; childId: string } }>(`/api/children/${child}/threads`, {
    participants: others.map((p) => ({ userId: p.userId, needToKnowReason: 'Member of the team around the child' })),
    record: welfareRecord,
  });
  if (res.status !== 201) throw new Error(`starting a conversation failed: ${res.status}`);
  return res.body.thread;
}

import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import {
  checkEnvelopePlacement,
  attestKey,
  checkCorrespondentKeys,
  compareSeenHeads,
  keepRevocations,
  fromBase64Url,
  generateIdentity,
  grantEnvelopeKey,
  keyFingerprint,
  openEnvelopeWithGrant,
  openEnvelope,
  openNote,
  parseEnvelope,
  publicIdentity,
  sealEnvelope,
  SignatureError,
  type Envelope,
  type EnvelopeHeader,
  type EnvelopeHeaderV1,
  type EnvelopeKind,
  type EnvelopeListing,
  type HeadComparison,
  type IdentityKeys,
  type KeyGrant,
  type SignedAdminCertificate,
  type SignedAdminCertificateRevocation,
  type OpenedNote,
  type PlacementProblem,
  type KeyLogEntry,
  type SignedTreeHead,
} from '../../crypto';
import type { Ack, ClientToServerEvents, ServerToClientEvents, SyncedMessage } from '../../server/realtime/events';
import { LiveSequence } from '../../web/src/lib/live-sequence';
import { shareRecord } from '../../server/shares/share-record';
import type { ApiClient } from './client';
import { publishKeys } from './keys';
import { testTrustRoots } from './trust-roots';

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

/** The same for a child at risk of offending: what an emergency verbal share or a written record carries. */
export const offendingRiskRecord = {
  ...welfareRecord,
  kindsOfInformation: ['offending_or_antisocial_behaviour'],
  schedule1Condition: 'preventing_or_detecting_unlawful_acts',
} as const;

/** A message as the server lists it: where it says the envelope is, and the envelope. */
export interface ListedEnvelope {
  id: string;
  threadId: string;
  childId: string;
  kind?: EnvelopeKind;
  envelope: Record<string, unknown> | null;
}

/** The client refused an envelope that verified but is not where its signed header says (checkEnvelopePlacement). */
export class AlteredOnServerError extends Error {
  constructor(readonly reason: PlacementProblem) {
    super(`the envelope was altered on the server: ${reason}`);
  }
}

/**
 * A practitioner's client as the browser would be: their own keys, a socket, and sealing,
 * signing and opening done locally. The server only ever sees envelopes.
 */
export class Practitioner {
  userId = '';
  socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  readonly received: SyncedMessage[] = [];
  /** Where each envelope this client opened was listed, by envelope id, as the web client keeps it. */
  readonly seen = new Map<string, EnvelopeListing>();

  constructor(
    readonly api: ApiClient,
    readonly keys: IdentityKeys = generateIdentity(),
  ) {}

  /** The same person on another device: the same keys (restored from their backup), nothing opened there yet. */
  anotherDevice(): Practitioner {
    const device = new Practitioner(this.api, this.keys);
    device.userId = this.userId;
    return device;
  }

  get fingerprint(): string {
    return keyFingerprint(publicIdentity(this.keys));
  }

  async publishKeys(): Promise<void> {
    const res = await publishKeys(this.api, this.keys);
    if (res.status !== 201) throw new Error(`publishing keys failed: ${res.status}`);
    this.userId = res.body.keys.userId;
  }

  /** The newest key-log head this client checked keys under (the web client keeps it in IndexedDB and seals it into envelopes v2). */
  keptHead: SignedTreeHead | null = null;
  /** The admin-certificate revocations this client has been shown, verified (as the web client keeps them per device). */
  keptRevocations: SignedAdminCertificateRevocation[] = [];

  /**
   * Compares the head another client saw (from an envelope v2's signed header) with the one this
   * client kept, as the web client does (key-log.svelte.ts, witness): the server must prove the
   * smaller extends the larger, and any head it answers with must agree with the ones in hand. A
   * fork is reported to the system admins (POST /api/integrity-reports, key_log_fork).
   */
  async compareHead(theirs: SignedTreeHead): Promise<{ comparison: HeadComparison; reportStatus?: number }> {
    const mine = this.keptHead;
    if (!mine) throw new Error('this client has not kept a head yet');
    const logPublicKey = fromBase64Url(testTrustRoots().keyLogPublicKey);
    const [smaller, larger] = mine.treeSize <= theirs.treeSize ? [mine, theirs] : [theirs, mine];
    let comparison: HeadComparison | null = null;
    let proof: string[] = [];
    if (smaller.treeSize !== larger.treeSize) {
      type Answer = { proof: string[]; head: SignedTreeHead; from: SignedTreeHead | null };
      const answer = (await this.api.get<Answer>(`/api/key-log/consistency?from=${smaller.treeSize}&to=${larger.treeSize}`)).body;
      for (const [held, served] of [
        [larger, answer.head],
        [smaller, answer.from],
      ] as const) {
        const same = served ? compareSeenHeads({ mine: held, theirs: served, proof: [], logPublicKey }) : null;
        if (same?.result === 'fork') comparison ??= same;
      }
      proof = answer.proof ?? [];
    }
    comparison ??= compareSeenHeads({ mine, theirs, proof, logPublicKey });
    if (comparison.result !== 'fork') return { comparison };
    const report = await this.api.post('/api/integrity-reports', { kind: 'key_log_fork', heads: comparison.heads });
    return { comparison, reportStatus: report.status };
  }

  /**
   * What the web client checks before it seals to someone (docs/key-log.md): the directory's keys
   * for them are their newest entry in the key log, under a head signed by the log key this
   * client was built with (the test trust roots), never a key the server hands over; and who
   * vouches for exactly those keys, from admin certificates checked against the organisation root.
   * The same pure check as the web client (checkCorrespondentKeys).
   */
  async checkKeysOf(userId: string) {
    type Listed = { keys: { signPublicKey: string; boxPublicKey: string; agencyId: string | null }[] };
    const [keys] = (await this.api.get<Listed>(`/api/keys?userIds=${userId}`)).body.keys;
    if (!keys) throw new Error('no keys in the directory');
    const log = (await this.api.get<{ entry: KeyLogEntry; index: number; proof: string[]; head: SignedTreeHead }>(`/api/key-log/proof?userId=${userId}`)).body;
    const { certificates, revocations } = (
      await this.api.get<{ certificates: SignedAdminCertificate[]; revocations: SignedAdminCertificateRevocation[] }>('/api/admin-certificates')
    ).body;
    const roots = testTrustRoots();
    const result = checkCorrespondentKeys({
      userId,
      agencyId: keys.agencyId,
      keys: { signPublicKey: keys.signPublicKey, boxPublicKey: keys.boxPublicKey },
      log,
      certificates,
      // Plus the revocations this client kept from earlier answers: the server cannot take one back.
      revocations: this.keepRevocations(revocations),
      trustRoots: { keyLogPublicKey: fromBase64Url(roots.keyLogPublicKey), orgRootPublicKey: fromBase64Url(roots.orgRootPublicKey) },
    });
    // Like the web client, keep the newest head keys were checked under (sealed into envelopes v2).
    if (result.ok && (!this.keptHead || log.head.treeSize >= this.keptHead.treeSize)) this.keptHead = log.head;
    return result;
  }

  private keepRevocations(fresh: SignedAdminCertificateRevocation[]): SignedAdminCertificateRevocation[] {
    this.keptRevocations = keepRevocations(this.keptRevocations, fresh, fromBase64Url(testTrustRoots().orgRootPublicKey));
    return this.keptRevocations;
  }

  /** An admin's browser confirming someone's keys (POST /api/users/:id/key-attestation), signed with this admin's own key. */
  attest(user: { userId: string; fingerprint: string }) {
    return this.api.post(`/api/users/${user.userId}/key-attestation`, {
      fingerprint: user.fingerprint,
      attestation: attestKey({ userId: user.userId, fingerprint: user.fingerprint }, this.keys.signPrivateKey),
    });
  }

  private sequence: LiveSequence | null = null;
  /** Ids `received` got by catching up (connect with `followSequence`), not pushed live. */
  readonly caughtUp: string[] = [];

  /**
   * Connects a socket; every live copy lands in `received`. With `followSequence`, as the web
   * client does (live-sequence.ts): catches up at once, on the server's `sync:check`, and when a
   * live copy's number shows one missing — what it fetches that it lacks lands in `received` too.
   */
  async connect({ followSequence = false } = {}): Promise<void> {
    this.socket?.close();
    const socket = this.api.socket();
    const sequence: LiveSequence | null = followSequence ? new LiveSequence((): Promise<void> => this.catchUpOn(socket, sequence)) : null;
    this.sequence = sequence;
    socket.on('share:new', (message) => {
      this.received.push(message);
      sequence?.seen(message.seq);
    });
    socket.on('sync:check', () => void sequence?.request().catch(() => undefined));
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
    this.socket = socket;
    await sequence?.request();
  }

  private async catchUpOn(socket: Socket<ServerToClientEvents, ClientToServerEvents>, sequence: LiveSequence | null): Promise<void> {
    if (!sequence) return;
    for (;;) {
      type Page = Ack<{ messages: SyncedMessage[]; cursor: number; more: boolean }>;
      const page = (await socket.timeout(10_000).emitWithAck('sync:since', { cursor: sequence.cursor })) as Page;
      if (!page.ok) throw new Error(page.error.code);
      const have = new Set(this.received.map((m) => m.id));
      for (const m of page.messages.filter((m) => !have.has(m.id))) {
        this.received.push(m);
        this.caughtUp.push(m.id);
      }
      sequence.caughtUpTo(page.cursor);
      if (!page.more) return;
    }
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
  seal(thread: { id: string; childId: string }, others: Practitioner[], text: string, over: Partial<EnvelopeHeaderV1> = {}): Envelope {
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

  /** As seal, but envelope v2, carrying the key-log head this client kept (what the web client seals). */
  sealV2(thread: { id: string; childId: string }, others: Practitioner[], text: string): Envelope {
    const v1 = this.seal(thread, others, text);
    const header: EnvelopeHeader = { ...(v1.header as EnvelopeHeaderV1), v: 2, keyLogHead: this.keptHead };
    const sorted = [...others].sort((a, b) => (a.userId < b.userId ? -1 : 1));
    return sealEnvelope({
      header,
      body: text,
      sender: { userId: this.userId, signPrivateKey: this.keys.signPrivateKey, boxPublicKey: this.keys.boxPublicKey },
      recipients: sorted.map((p) => ({ userId: p.userId, boxPublicKey: p.keys.boxPublicKey })),
    });
  }

  /**
   * A written record as the web client files it when some officers on the case have no keys yet:
   * envelope v3, sealed to `others` (and this officer), naming `pending` (user ids) as waiting.
   */
  sealPending(
    thread: { id: string; childId: string },
    others: Practitioner[],
    pending: string[],
    text: string,
    over: Partial<EnvelopeHeaderV1> = {},
  ): Envelope {
    const sorted = [...others].sort((a, b) => (a.userId < b.userId ? -1 : 1));
    const header: EnvelopeHeader = {
      v: 3,
      id: randomUUID(),
      kind: 'written_record',
      threadId: thread.id,
      childId: thread.childId,
      senderId: this.userId,
      senderKeyFingerprint: this.fingerprint,
      recipients: sorted.map((p) => ({ userId: p.userId, keyFingerprint: p.fingerprint })),
      tier: 'offending_risk',
      record: welfareRecord,
      sentAt: new Date().toISOString(),
      replyTo: null,
      corrects: null,
      correctionReason: null,
      ...over,
      keyLogHead: this.keptHead,
      pending: [...pending].sort(),
    };
    return sealEnvelope({
      header,
      body: text,
      sender: { userId: this.userId, signPrivateKey: this.keys.signPrivateKey, boxPublicKey: this.keys.boxPublicKey },
      recipients: sorted.map((p) => ({ userId: p.userId, boxPublicKey: p.keys.boxPublicKey })),
    });
  }

  /** Wraps a record this officer can read for a pending officer, signed, as the web client does once the officer has keys. */
  grantTo(envelope: Envelope, sender: Practitioner, reader: Practitioner): KeyGrant {
    return grantEnvelopeKey({
      envelope,
      senderSignPublicKey: sender.keys.signPublicKey,
      granter: { userId: this.userId, signPrivateKey: this.keys.signPrivateKey, boxPublicKey: this.keys.boxPublicKey, boxPrivateKey: this.keys.boxPrivateKey },
      to: { userId: reader.userId, boxPublicKey: reader.keys.boxPublicKey, keyFingerprint: reader.fingerprint },
    });
  }

  async sendGrant(grant: unknown) {
    return (await this.requireSocket().timeout(10_000).emitWithAck('share:grant', { grant })) as Ack<{ messageId: string; userId: string }>;
  }

  /**
   * Opens a record this officer was pending on through the grant listed for them, as the web client
   * does: the grant must fit the record's signed header and carry a valid signature from the
   * granter it names, whose keys come from `directory` (standing in for the key log).
   */
  openGranted(listed: ListedEnvelope & { keyGrants: Record<string, unknown>[] }, sender: Practitioner, directory: Practitioner[]): string {
    if (!listed.envelope) throw new Error('revoked');
    const grant = listed.keyGrants.find((g) => g['userId'] === this.userId);
    if (!grant) throw new Error('no key grant for this reader');
    const granter = directory.find((p) => p.userId === grant['granterId']);
    if (!granter) throw new SignatureError('The key grant names a granter whose keys are not in the key log.');
    const { header, body } = openEnvelopeWithGrant(
      parseEnvelope(listed.envelope),
      grant as unknown as KeyGrant,
      { userId: this.userId, boxPublicKey: this.keys.boxPublicKey, boxPrivateKey: this.keys.boxPrivateKey },
      { senderSignPublicKey: sender.keys.signPublicKey, granter: { signPublicKey: granter.keys.signPublicKey, fingerprint: granter.fingerprint } },
    );
    const listedAs: EnvelopeListing = { id: listed.id, threadId: listed.threadId, childId: listed.childId, ...(listed.kind ? { kind: listed.kind } : {}) };
    const placement = checkEnvelopePlacement({ header, listedAs, seen: this.seen });
    if (!placement.ok) throw new AlteredOnServerError(placement.altered);
    this.seen.set(header.id, listedAs);
    return new TextDecoder().decode(body);
  }

  async send(envelope: unknown) {
    const ack: unknown = await this.requireSocket().timeout(10_000).emitWithAck('share:send', { envelope });
    // The sender's own copy is numbered in their sequence too; its ack is how this connection hears of it.
    const answer = ack as Ack<{ id: string; seq: number; storedAt: string; duplicate: boolean }>;
    if (answer.ok) this.sequence?.seen(answer.seq);
    return answer;
  }

  sync(cursor: number) {
    return this.requireSocket().timeout(10_000).emitWithAck('sync:since', { cursor });
  }

  /**
   * Opens a listed envelope with this practitioner's private key, checking the sender's signature
   * and then that it is where its signed header says (the same pure check as the web client);
   * throws AlteredOnServerError when it is not.
   */
  open(listed: ListedEnvelope, sender: Practitioner): string {
    if (!listed.envelope) throw new Error('revoked');
    const { header, body } = openEnvelope(
      parseEnvelope(listed.envelope),
      { userId: this.userId, boxPublicKey: this.keys.boxPublicKey, boxPrivateKey: this.keys.boxPrivateKey },
      sender.keys.signPublicKey,
    );
    const listedAs: EnvelopeListing = { id: listed.id, threadId: listed.threadId, childId: listed.childId, ...(listed.kind ? { kind: listed.kind } : {}) };
    const placement = checkEnvelopePlacement({ header, listedAs, seen: this.seen });
    if (!placement.ok) throw new AlteredOnServerError(placement.altered);
    this.seen.set(header.id, listedAs);
    return new TextDecoder().decode(body);
  }

  /** Opens like the web client: an envelope altered on the server is not shown but reported (POST /api/integrity-reports). */
  async read(listed: ListedEnvelope, sender: Practitioner): Promise<{ text: string } | { altered: PlacementProblem; reportStatus: number }> {
    try {
      return { text: this.open(listed, sender) };
    } catch (error) {
      if (!(error instanceof AlteredOnServerError)) throw error;
      const res = await this.api.post('/api/integrity-reports', {
        kind: 'envelope_misplaced',
        messageId: listed.id,
        threadId: listed.threadId,
        reason: error.reason,
      });
      return { altered: error.reason, reportStatus: res.status };
    }
  }

  /** Opens a verbal share's summary, which must be signed by the practitioner the entry says recorded it (throws SignatureError otherwise). */
  openSummary(entry: { id: string; sender: { id: string }; summary: unknown }, childId: string, recorder: Practitioner): OpenedNote {
    if (recorder.userId !== entry.sender.id) throw new Error('the recorder given is not the entry’s sender');
    return openNote(
      entry.summary,
      { shareId: entry.id, childId, senderId: entry.sender.id },
      { userId: this.userId, boxPublicKey: this.keys.boxPublicKey, boxPrivateKey: this.keys.boxPrivateKey },
      { userId: recorder.userId, signPublicKey: recorder.keys.signPublicKey },
    );
  }

  /** Like the web client: a summary not signed by its recorder is not shown but reported. */
  async readSummary(
    entry: { id: string; sender: { id: string }; summary: unknown },
    childId: string,
    recorder: Practitioner,
  ): Promise<OpenedNote | { altered: 'signature_invalid'; reportStatus: number }> {
    try {
      return this.openSummary(entry, childId, recorder);
    } catch (error) {
      if (!(error instanceof SignatureError)) throw error;
      const res = await this.api.post('/api/integrity-reports', { kind: 'summary_not_signed', shareId: entry.id, reason: 'signature_invalid' });
      return { altered: 'signature_invalid', reportStatus: res.status };
    }
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

/** A received message as its listing, failing the test clearly when it never arrived. */
export function listing(message: SyncedMessage | undefined): ListedEnvelope {
  if (!message) throw new Error('the message was not received');
  return message;
}

// Messages over the one typed socket (docs/realtime.md): catching up from this device's cursor on
// every (re)connection, on the server's `sync:check` and when a live copy's number shows one
// missing (live-sequence.ts), live `share:new`, receipts and revocations, and the outbox. An envelope
// waiting for its ack is kept in memory and sent again, unchanged, after a reconnection — the
// server stores an envelope id once, so a resend never duplicates. When a child's records are
// destroyed under the retention schedule, `forget` drops their conversations from this device.
import type { Envelope, KeyGrant } from '../../../crypto';
import type { ShareRecord } from '../../../server/shares/share-record';
import { threads as threadsApi } from './api';
import { readState, writeState } from './idb';
import { clearAllDrafts, forgetConversation } from './conversation-memory';
import { LiveSequence } from './live-sequence';
import { readUnread, writeUnread, type Unread } from './unread';
import { useRealtime, type HavenSocket } from './realtime';
import { session } from './session.svelte';
import { shareNotice, type ShareNotice } from './share-notice';
import type { ClientToServerEvents } from '../../../server/realtime/events';
import type { Receipts, SyncedMessage, Thread, ThreadMessage } from './types';

export type Stored = ThreadMessage & { threadId: string };
/** A written record can discharge the filer's obligation from an emergency verbal share. */
/** `attachments`: ids of this user's finished uploads the envelope's signed body describes. */
export type SendOptions = { dischargesObligationId?: string; attachments?: string[] };
type Outgoing = { envelope: Envelope; options: SendOptions };
export type OutboxStatus = { state: 'sending' } | { state: 'sent' } | { state: 'refused'; message: string };

const ACK_TIMEOUT = 15_000;

type Events = ClientToServerEvents;
type AckOf<E extends keyof Events> = Parameters<Parameters<Events[E]>[1]>[0];

/** Emits with an ack and a timeout. socket.io's types lose the ack's type once `timeout()` is used, so it is restored here from the event map. */
async function ask<E extends keyof Events>(socket: HavenSocket, event: E, payload: Parameters<Events[E]>[0]): Promise<AckOf<E>> {
  const timed = socket.timeout(ACK_TIMEOUT) as unknown as { emitWithAck(event: E, payload: Parameters<Events[E]>[0]): Promise<unknown> };
  return (await timed.emitWithAck(event, payload)) as AckOf<E>;
}
const cursorKey = (me: string) => `sync-cursor:${me}`;

/** How many people a message was sealed to (its signed header's recipients); unknown counts as many. */
function recipientCount(m: { envelope: Record<string, unknown> | null }): number {
  const header = m.envelope?.['header'] as { recipients?: unknown[] } | undefined;
  return header?.recipients?.length ?? Number.POSITIVE_INFINITY;
}

class MessagingState {
  threads = $state.raw<Thread[] | null>(null);
  /** Messages by thread, each once, in the order stored. */
  byThread = $state<Record<string, Stored[]>>({});
  /** Per message of mine: who has it, who read it. */
  receipts = $state<Record<string, Receipts>>({});
  /** Messages from others not yet opened on this device, with the thread each is in. */
  unread = $state<Unread>({});
  outbox = $state<Record<string, OutboxStatus>>({});
  /** The polite notice of a new message or written record (never names or content). */
  notice = $state<ShareNotice | null>(null);
  /** The thread on screen, if any: its new messages are read, not announced. */
  openThread = $state<string | null>(null);

  /** The record each conversation started in this session was started with, to begin its first message from. */
  readonly startRecords = new Map<string, ShareRecord>();

  private socket: HavenSocket | null = null;
  private readonly pending = new Map<string, Outgoing>();
  private readonly sequence = new LiveSequence(() => (this.socket ? this.catchUp(this.socket) : Promise.resolve()));
  private noticeSeq = 0;

  constructor() {
    useRealtime((socket) => this.attach(socket));
    session.onEnd(() => this.clear());
  }

  private get me(): string | null {
    return session.active ? (session.current?.user.id ?? null) : null;
  }

  unreadIn(threadId: string): number {
    return (this.byThread[threadId] ?? []).filter((m) => m.id in this.unread).length;
  }

  async loadThreads(): Promise<void> {
    this.threads = (await threadsApi.list()).threads;
    const me = this.me;
    if (me) this.unread = await readUnread(me);
  }

  /** A thread and its messages from the server, merged with what this device already has. */
  async loadThread(id: string): Promise<Thread> {
    const { thread, messages } = await threadsApi.get(id);
    this.ingest(id, messages);
    // Receipts that came while this device was away; those heard live meanwhile are kept too.
    for (const m of messages) if (m.receipts) this.mergeReceipts(m.id, m.receipts);
    return thread;
  }

  /** Messages of a thread fetched elsewhere (the special file), merged with what this device has. */
  ingest(threadId: string, messages: ThreadMessage[]): void {
    for (const { receipts: _receipts, ...m } of messages) this.add({ ...m, threadId });
  }

  /** Sends a sealed envelope; resolves with how it went (kept for a resend if the connection drops). */
  async send(threadId: string, envelope: Envelope, options: SendOptions = {}): Promise<OutboxStatus> {
    const id = envelope.header.id;
    this.pending.set(id, { envelope, options });
    this.outbox[id] = { state: 'sending' };
    this.add({ id, threadId, senderId: envelope.header.senderId, storedAt: envelope.header.sentAt, envelope: { ...envelope }, revoked: false });
    if (this.socket?.connected) await this.transmit(id, { envelope, options });
    return this.outbox[id];
  }

  async revoke(id: string): Promise<string | null> {
    if (!this.socket?.connected) return 'You are not connected to Haven. Check your connection and try again.';
    const res = await ask(this.socket, 'share:revoke', { id });
    if (!res.ok) return res.error.message;
    this.markRevoked(id);
    return null;
  }

  /** The user opened the thread: tell senders, once per message. */
  markRead(threadId: string): void {
    const ids = (this.byThread[threadId] ?? []).filter((m) => m.id in this.unread && !m.revoked).map((m) => m.id);
    if (ids.length === 0 || !this.socket?.connected) return;
    for (const id of ids) this.socket.emit('share:read', { id }, () => undefined);
    void this.setUnread(this.without(ids));
  }

  /**
   * A child's records were destroyed: forgets their conversations — the threads the server named
   * and any other this device lists for the child — with their messages, receipts, unsent
   * envelopes and unread marks, in memory and in IndexedDB.
   */
  async forget(childId: string, threadIds: string[]): Promise<void> {
    const gone = new Set([...threadIds, ...(this.threads ?? []).filter((t) => t.childId === childId).map((t) => t.id)]);
    const messageIds = [...gone].flatMap((id) => (this.byThread[id] ?? []).map((m) => m.id));
    for (const [id, threadId] of Object.entries(this.unread)) if (threadId !== null && gone.has(threadId)) messageIds.push(id);
    if (this.threads) this.threads = this.threads.filter((t) => !gone.has(t.id));
    for (const id of gone) {
      delete this.byThread[id];
      this.startRecords.delete(id);
      if (this.me) await forgetConversation(this.me, id);
    }
    for (const id of messageIds) {
      delete this.receipts[id];
      delete this.outbox[id];
      this.pending.delete(id);
    }
    if (this.openThread && gone.has(this.openThread)) this.openThread = null;
    await this.setUnread(this.without(messageIds));
  }

  clear(): void {
    this.threads = null;
    this.byThread = {};
    this.receipts = {};
    this.unread = {};
    this.outbox = {};
    this.notice = null;
    this.openThread = null;
    this.grantsWanted = {};
    this.pending.clear();
    this.startRecords.clear();
    this.sequence.reset();
    clearAllDrafts();
  }

  private attach(socket: HavenSocket): () => void {
    this.socket = socket;
    const onConnect = () =>
      void this.sequence.request().catch((error: unknown) => {
        // A catch-up cut by the connection dropping is made again on the next connect: not a fault.
        if (socket.connected) console.error(error);
      });
    socket.on('connect', onConnect);
    socket.on('sync:check', onConnect);
    socket.on('share:new', (message) => void this.receivedLive(message));
    socket.on('share:receipt', ({ messageId, userId, kind }) => {
      const entry = this.receipts[messageId] ?? { delivered: [], read: [] };
      if (!entry[kind].includes(userId)) entry[kind] = [...entry[kind], userId];
      if (kind === 'read' && !entry.delivered.includes(userId)) entry.delivered = [...entry.delivered, userId];
      this.receipts[messageId] = entry;
    });
    socket.on('share:revoked', ({ messageId }) => this.markRevoked(messageId));
    socket.on('share:granted', ({ messageId, grant }) => this.addGrant(messageId, grant));
    socket.on('share:grant-wanted', ({ threadId }) => (this.grantsWanted[threadId] = (this.grantsWanted[threadId] ?? 0) + 1));
    if (socket.connected) onConnect();
    return () => {
      if (this.socket === socket) this.socket = null;
    };
  }

  /** Everything after this device's cursor, then whatever is still waiting to be sent. */
  private async catchUp(socket: HavenSocket): Promise<void> {
    const me = this.me;
    if (!me) return;
    let cursor = Math.max(this.sequence.cursor, (await readState<number>(cursorKey(me))) ?? 0);
    for (;;) {
      const res = await ask(socket, 'sync:since', { cursor });
      if (!res.ok) throw new Error(res.error.code);
      await this.received(res.messages, false);
      cursor = res.cursor;
      this.sequence.caughtUpTo(cursor);
      // Live copies may have carried the cursor further meanwhile; it never goes back.
      await writeState(cursorKey(me), this.sequence.cursor);
      if (!res.more) break;
    }
    await this.refreshReceipts(socket, me);
    for (const [id, outgoing] of this.pending) await this.transmit(id, outgoing);
  }

  /**
   * Receipts are told live only, so any that came while this device was away (offline, or lost
   * with a server process) are asked for: for each message of mine here not yet read by everyone.
   */
  private async refreshReceipts(socket: HavenSocket, me: string): Promise<void> {
    const ids = Object.values(this.byThread)
      .flat()
      .filter((m) => m.senderId === me && !m.revoked && (this.receipts[m.id]?.read.length ?? 0) < recipientCount(m))
      .map((m) => m.id)
      .slice(-500);
    if (ids.length === 0) return;
    const res = await ask(socket, 'share:receipts', { ids });
    if (res.ok) for (const [id, receipts] of Object.entries(res.receipts)) this.mergeReceipts(id, receipts);
  }

  private mergeReceipts(id: string, receipts: Receipts): void {
    const known = this.receipts[id] ?? { delivered: [], read: [] };
    this.receipts[id] = {
      delivered: [...new Set([...known.delivered, ...receipts.delivered])],
      read: [...new Set([...known.read, ...receipts.read])],
    };
  }

  private async transmit(id: string, { envelope, options }: Outgoing): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    try {
      const res = await ask(socket, 'share:send', { envelope, ...options });
      this.pending.delete(id);
      if (res.ok) this.noteNumber(res.seq);
      this.outbox[id] = res.ok ? { state: 'sent' } : { state: 'refused', message: res.error.message };
      if (!res.ok) this.drop(id);
    } catch {
      // No ack in time (the connection dropped): kept in `pending` and sent again on reconnection.
    }
  }

  /** A copy pushed live: taken in, and its number noted (a gap before it is fetched if it stays). */
  private async receivedLive(message: SyncedMessage): Promise<void> {
    await this.received([message], true);
    this.noteNumber(message.seq);
  }

  /** The cursor moves with live copies too, once every number before them is here. */
  private noteNumber(seq: number): void {
    const me = this.me;
    const before = this.sequence.cursor;
    this.sequence.seen(seq);
    if (me && this.sequence.cursor > before) void writeState(cursorKey(me), this.sequence.cursor);
  }

  private async received(messages: SyncedMessage[], live: boolean): Promise<void> {
    const me = this.me;
    if (!me) return;
    const fresh = messages.filter((m) => !this.has(m.id));
    for (const m of messages) this.add(m);
    const fromOthers = fresh.filter((m) => m.senderId !== me && !m.revoked);
    if (fromOthers.length === 0) return;
    this.socket?.emit('share:delivered', { ids: fromOthers.map((m) => m.id).slice(0, 500) }, () => undefined);
    await this.setUnread({ ...this.unread, ...Object.fromEntries(fromOthers.map((m) => [m.id, m.threadId])) });
    if (this.threads && fromOthers.some((m) => !this.threads?.some((t) => t.id === m.threadId))) void this.loadThreads();
    const elsewhere = fromOthers.filter((m) => m.threadId !== this.openThread).at(-1);
    if (this.openThread) this.markRead(this.openThread);
    if (live && elsewhere) this.notice = shareNotice(elsewhere, ++this.noticeSeq);
  }

  private has(id: string): boolean {
    return Object.values(this.byThread).some((list) => list.some((m) => m.id === id));
  }

  private add(m: Stored): void {
    const list = this.byThread[m.threadId] ?? [];
    const index = list.findIndex((x) => x.id === m.id);
    const stored: Stored = {
      id: m.id,
      threadId: m.threadId,
      senderId: m.senderId,
      storedAt: m.storedAt,
      envelope: m.envelope,
      revoked: m.revoked,
      keyGrants: m.keyGrants ?? [],
    };
    const known = list[index];
    if (index === -1 || !known) this.byThread[m.threadId] = [...list, stored];
    else if (m.revoked && !known.revoked) this.byThread[m.threadId] = list.map((x, i) => (i === index ? stored : x));
    // A listing made after a key grant carries it: grants are only ever added.
    else if ((m.keyGrants?.length ?? 0) > (known.keyGrants?.length ?? 0)) {
      this.byThread[m.threadId] = list.map((x, i) => (i === index ? { ...x, keyGrants: m.keyGrants ?? [] } : x));
    }
  }

  /** A key grant for a reader a written record waited for (as the server announced it; each reader checks it before use). */
  addGrant(messageId: string, grant: Record<string, unknown>): void {
    for (const [threadId, list] of Object.entries(this.byThread)) {
      if (!list.some((m) => m.id === messageId)) continue;
      this.byThread[threadId] = list.map((m) =>
        m.id === messageId && !(m.keyGrants ?? []).some((g) => g['userId'] === grant['userId']) ? { ...m, keyGrants: [...(m.keyGrants ?? []), grant] } : m,
      );
    }
  }

  /** By thread: how many times an officer a written record there waits for has asked for it (share:grant-wanted) in this session. */
  grantsWanted = $state<Record<string, number>>({});

  /** Asks the officers who can read a record this user waits for to share it with their keys (share:grant-wanted); best effort. */
  askForGrant(messageId: string): void {
    this.socket?.emit('share:grant-wanted', { messageId }, () => undefined);
  }

  /** Sends a key grant (share:grant); null when stored, else why not. */
  async grant(grant: KeyGrant): Promise<string | null> {
    if (!this.socket?.connected) return 'You are not connected to Haven.';
    const res = await ask(this.socket, 'share:grant', { grant });
    if (!res.ok) return res.error.message;
    this.addGrant(res.messageId, { ...grant });
    return null;
  }

  private drop(id: string): void {
    for (const [threadId, list] of Object.entries(this.byThread)) {
      if (list.some((m) => m.id === id)) this.byThread[threadId] = list.filter((m) => m.id !== id);
    }
  }

  private markRevoked(id: string): void {
    for (const [threadId, list] of Object.entries(this.byThread)) {
      if (list.some((m) => m.id === id)) this.byThread[threadId] = list.map((m) => (m.id === id ? { ...m, envelope: null, revoked: true } : m));
    }
    void this.setUnread(this.without([id]));
  }

  private without(ids: string[]): Unread {
    const unread = { ...this.unread };
    for (const id of ids) delete unread[id];
    return unread;
  }

  private async setUnread(unread: Unread): Promise<void> {
    this.unread = unread;
    const me = this.me;
    if (me) await writeUnread(me, $state.snapshot(this.unread));
  }
}

export const messaging = new MessagingState();

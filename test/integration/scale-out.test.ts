import { randomBytes } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ready } from '../../crypto';
import type { Receipt, SyncedMessage } from '../../server/realtime/events';
import { ApiClient } from '../support/client';
import { startTestHaven, type TestHaven } from '../support/haven';
import { listing, Practitioner, startConversation } from '../support/practitioner';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `scale-${randomBytes(4).toString('hex')}`;
const logLines: string[] = [];
let haven: TestHaven;
let nodeB: { url: string; close(): Promise<void> };
let jordan: Practitioner;
let morgan: Practitioner;
let thread: { id: string; childId: string };

beforeAll(async () => {
  await ready();
  // Both nodes share the database and Redis; a per-run prefix keeps other test runs' rooms apart.
  haven = await startTestHaven({ seedDemo: true, redisUrl: REDIS_URL, env: { HAVEN_QUEUE_PREFIX: prefix }, logLines });
  nodeB = await haven.addNode();
  jordan = new Practitioner(new ApiClient(haven.url));
  morgan = new Practitioner(new ApiClient(nodeB.url));
  expect((await jordan.api.signIn(haven.account('Jordan'))).status).toBe(200);
  expect((await morgan.api.signIn(haven.account('Morgan'))).status).toBe(200);
  await jordan.publishKeys();
  await morgan.publishKeys();
  await jordan.connect();
  await morgan.connect();
  thread = await startConversation(jordan, [morgan], 'Lily Hartwell');
});
afterAll(async () => {
  jordan.disconnect();
  morgan.disconnect();
  await haven.close();
});

describe('several server processes behind the Redis adapter', () => {
  it('a message sent through node A reaches a recipient connected to node B; receipts and revocations cross back', async () => {
    const receipts: Receipt[] = [];
    jordan.socket?.on('share:receipt', (r) => receipts.push(r));
    const first = jordan.seal(thread, [morgan], 'sent through node A');
    expect(await jordan.send(first)).toMatchObject({ ok: true });
    await vi.waitFor(() => expect(morgan.received.map((m) => m.id)).toContain(first.header.id));
    expect(morgan.open(listing(morgan.received.find((m) => m.id === first.header.id)), jordan)).toBe('sent through node A');

    await morgan.socket?.timeout(5_000).emitWithAck('share:read', { id: first.header.id });
    await vi.waitFor(() => expect(receipts).toEqual([expect.objectContaining({ messageId: first.header.id, kind: 'read', userId: morgan.userId })]));

    const revoked: string[] = [];
    morgan.socket?.on('share:revoked', ({ messageId }) => revoked.push(messageId));
    const second = jordan.seal(thread, [morgan], 'to be revoked');
    await jordan.send(second);
    expect(await jordan.socket?.timeout(5_000).emitWithAck('share:revoke', { id: second.header.id })).toMatchObject({ ok: true });
    await vi.waitFor(() => expect(revoked).toContain(second.header.id));
  });

  it('every reader’s copy crosses with its own number: the recipient’s and the sender’s other device’s on node B, none for the sending connection', async () => {
    const otherDevice = new ApiClient(nodeB.url);
    otherDevice.adoptSession(jordan.api.cookie('haven_session') ?? '');
    const socket = otherDevice.socket();
    const onOtherDevice: SyncedMessage[] = [];
    socket.on('share:new', (message) => onOtherDevice.push(message));
    try {
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
      const message = jordan.seal(thread, [morgan], 'read on the office computer too');
      const ack = (await jordan.send(message)) as { ok: true; seq: number };
      expect(ack.ok).toBe(true);
      await vi.waitFor(() => expect(onOtherDevice.map((m) => m.id)).toContain(message.header.id));
      await vi.waitFor(() => expect(morgan.received.map((m) => m.id)).toContain(message.header.id));
      expect(onOtherDevice.find((m) => m.id === message.header.id)?.seq).toBe(ack.seq);
      const morgansCopy = morgan.received.find((m) => m.id === message.header.id);
      const morgansSync = (await morgan.sync(0)) as { messages: { id: string; seq: number }[] };
      expect(morgansCopy?.seq).toBe(morgansSync.messages.find((m) => m.id === message.header.id)?.seq);
      expect(jordan.received.map((m) => m.id)).not.toContain(message.header.id);
    } finally {
      socket.close();
    }
  });

  it('ignores malformed copies from another process with a warning, and carries on', async () => {
    // Another process on the same rooms, as a worker process joins them.
    const pub = new Redis(REDIS_URL);
    const sub = pub.duplicate();
    const impostor = new Server();
    impostor.adapter(createAdapter(pub, sub, { key: `${prefix}-socket.io` }));
    try {
      for (const bad of [{ readers: 'everyone' }, { message: { id: 1 }, readers: [], exceptConnection: null }, null])
        impostor.serverSideEmit('share:copies', bad);
      await vi.waitFor(() =>
        expect(logLines.filter((l) => l.includes('message copies from another server process were malformed')).length).toBeGreaterThanOrEqual(3),
      );
      const after = jordan.seal(thread, [morgan], 'still delivered');
      expect(await jordan.send(after)).toMatchObject({ ok: true });
      await vi.waitFor(() => expect(morgan.received.map((m) => m.id)).toContain(after.header.id));
    } finally {
      // It never listened: letting go of its Redis connections is all there is to close.
      pub.disconnect();
      sub.disconnect();
    }
  });

  it('sign-out everywhere on one node ends sessions connected to the other', async () => {
    const ended = vi.fn();
    morgan.socket?.on('session:ended', ended);
    const elsewhere = new ApiClient(haven.url);
    expect((await elsewhere.signIn(haven.account('Morgan'))).status).toBe(200);
    expect((await elsewhere.post('/api/auth/sign-out-everywhere')).status).toBe(204);
    await vi.waitFor(() => expect(ended).toHaveBeenCalledWith({ reason: 'signed_out_everywhere' }));
  });
});

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ready } from '../../crypto';
import type { Receipt } from '../../server/realtime/events';
import { ApiClient } from '../support/client';
import { startTestHaven, type TestHaven } from '../support/haven';
import { Practitioner, startConversation } from '../support/practitioner';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let haven: TestHaven;
let nodeB: { url: string; close(): Promise<void> };
let jordan: Practitioner;
let morgan: Practitioner;
let thread: { id: string; childId: string };

beforeAll(async () => {
  await ready();
  // Both nodes share the database and Redis; a per-run prefix keeps other test runs' rooms apart.
  haven = await startTestHaven({ seedDemo: true, redisUrl: REDIS_URL, env: { HAVEN_QUEUE_PREFIX: `scale-${randomBytes(4).toString('hex')}` } });
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
    expect(morgan.open({ envelope: morgan.received.find((m) => m.id === first.header.id)?.envelope ?? null }, jordan)).toBe('sent through node A');

    await morgan.socket?.timeout(5_000).emitWithAck('share:read', { id: first.header.id });
    await vi.waitFor(() => expect(receipts).toEqual([expect.objectContaining({ messageId: first.header.id, kind: 'read', userId: morgan.userId })]));

    const revoked: string[] = [];
    morgan.socket?.on('share:revoked', ({ messageId }) => revoked.push(messageId));
    const second = jordan.seal(thread, [morgan], 'to be revoked');
    await jordan.send(second);
    expect(await jordan.socket?.timeout(5_000).emitWithAck('share:revoke', { id: second.header.id })).toMatchObject({ ok: true });
    await vi.waitFor(() => expect(revoked).toContain(second.header.id));
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

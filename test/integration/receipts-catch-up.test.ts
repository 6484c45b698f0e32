import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, startConversation } from '../support/practitioner';

// Issue 18, bug 2: receipts are told live only, so a sender who was offline when their message was
// delivered and read asks for them on reconnecting (`share:receipts`): for their own messages only.

let haven: TestHaven;
const people = new People(() => haven);
let jordan: Practitioner;
let morgan: Practitioner;
let ruth: Practitioner;

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  jordan = new Practitioner(await people.as('Jordan'));
  morgan = new Practitioner(await people.as('Morgan'));
  ruth = new Practitioner(await people.as('Ruth'));
  for (const p of [jordan, morgan, ruth]) await p.publishKeys();
});
afterAll(() => haven?.close());

type ReceiptsAck = { ok: true; receipts: Record<string, { delivered: string[]; read: string[] }> } | { ok: false; error: { code: string } };

describe('receipts missed while the sender was away', () => {
  it('the sender gets, on asking, who received and who read each of their messages; nobody else gets them', async () => {
    const thread = await startConversation(jordan, [morgan, ruth], 'Lily Hartwell');
    await jordan.connect();
    const read = jordan.seal(thread, [morgan, ruth], 'Read by Morgan while Jordan was away');
    const unread = jordan.seal(thread, [morgan, ruth], 'Not opened yet');
    expect(await jordan.send(read)).toMatchObject({ ok: true });
    expect(await jordan.send(unread)).toMatchObject({ ok: true });
    jordan.disconnect();

    await morgan.connect();
    await ruth.connect();
    expect(await morgan.socket?.timeout(5_000).emitWithAck('share:delivered', { ids: [read.header.id, unread.header.id] })).toMatchObject({ ok: true });
    expect(await morgan.socket?.timeout(5_000).emitWithAck('share:read', { id: read.header.id })).toMatchObject({ ok: true });
    expect(await ruth.socket?.timeout(5_000).emitWithAck('share:delivered', { ids: [read.header.id] })).toMatchObject({ ok: true });

    await jordan.connect();
    const ask = (p: Practitioner, ids: string[]) => p.socket?.timeout(5_000).emitWithAck('share:receipts', { ids }) as Promise<ReceiptsAck>;
    expect(await ask(jordan, [read.header.id, unread.header.id])).toEqual({
      ok: true,
      receipts: {
        [read.header.id]: { delivered: [morgan.userId, ruth.userId].sort(), read: [morgan.userId] },
        [unread.header.id]: { delivered: [morgan.userId], read: [] },
      },
    });
    // A reader asking about someone else's message learns nothing, not even that it exists.
    expect(await ask(morgan, [read.header.id])).toEqual({ ok: true, receipts: {} });
    expect(await ask(jordan, [crypto.randomUUID()])).toEqual({ ok: true, receipts: {} });
    // Bad input is a clear refusal.
    for (const ids of [[], ['not-an-id'], Array.from({ length: 501 }, () => crypto.randomUUID())]) {
      expect(await ask(jordan, ids)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    }
    for (const p of [jordan, morgan, ruth]) p.disconnect();
  });
});

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ready } from '../../crypto';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, startConversation } from '../support/practitioner';

// Issue 23: a sender whose first attempt was stored, but whose process died before the notice
// reached the readers, resends; the resend is answered `duplicate: true` and must tell the readers
// again, or a connected reader never sees the message until they reconnect. Here the lost notice
// is played by a reader who connects only after the first attempt (and does not catch up).

let haven: TestHaven;
const people = new People(() => haven);

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
});
afterAll(() => haven?.close());

describe('a resend of a stored message', () => {
  it('reaches a connected reader who missed the first notice, once, with their own sequence number', async () => {
    const jordan = new Practitioner(await people.as('Jordan'));
    const morgan = new Practitioner(await people.as('Morgan'));
    await jordan.publishKeys();
    await morgan.publishKeys();
    const thread = await startConversation(jordan, [morgan], 'Lily Hartwell');
    await jordan.connect();
    const envelope = jordan.seal(thread, [morgan], 'The visit is at 3pm.');
    const first = await jordan.send(envelope);
    expect(first).toMatchObject({ ok: true, duplicate: false });

    await morgan.connect();
    expect(morgan.received).toHaveLength(0);
    const again = await jordan.send(envelope);
    expect(again).toMatchObject({ ok: true, duplicate: true });
    await vi.waitFor(() => expect(morgan.received).toHaveLength(1), { timeout: 5_000, interval: 50 });
    const synced = await morgan.sync(0);
    expect(morgan.received[0]).toMatchObject({ id: envelope.header.id, seq: (synced as { messages: { seq: number }[] }).messages[0]?.seq });
    // The resending connection is not told again (its ack has the number); nothing new was stored.
    expect(jordan.received).toHaveLength(0);
    morgan.disconnect();
    jordan.disconnect();
  });
});

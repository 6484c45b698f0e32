import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { ApiClient } from '../support/client';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, welfareRecord } from '../support/practitioner';

const lines: string[] = [];
let haven: TestHaven;
const people = new People(() => haven);

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true, logLines: lines });
});
afterAll(() => haven.close());

describe('logs', () => {
  it('are JSON lines with request ids, and hold no personal data, message content or secrets', async () => {
    const jordan = new Practitioner(await people.as('Jordan'));
    const morgan = new Practitioner(await people.as('Morgan'));
    await jordan.publishKeys();
    await morgan.publishKeys();
    await jordan.connect();
    await morgan.connect();
    // Wrong passwords and bad input are logged too: make some.
    await new ApiClient(haven.url).post('/api/auth/sign-in', { email: haven.account('Priya').email, password: 'Wrong-Password-Secret-1' });
    await jordan.api.post('/api/children', { name: 'Ignatius Vellacourt', dateOfBirth: 'not a date' });
    const created = await jordan.api.post<{ child: { id: string } }>('/api/children', {
      name: 'Ignatius Vellacourt',
      dateOfBirth: '2014-02-02',
      gender: 'male',
      address: '9 Foxglove Walk, Northmoor',
      postcode: 'NM6 3XY',
      parents: [{ name: 'Perpetua Vellacourt', relationship: 'mother', contact: '01632 960 444' }],
      basis: 'involved',
    });
    const child = created.body.child.id;
    await jordan.api.get('/api/children?name=Vellacourt');
    await jordan.api.post(`/api/children/${child}/open`, { reason: 'Vellacourt family strategy meeting' });
    const thread = (
      await jordan.api.post<{ thread: { id: string; childId: string } }>(`/api/children/${child}/threads`, {
        participants: [{ userId: morgan.userId, needToKnowReason: 'Officer attending Foxglove Walk' }],
        record: welfareRecord,
      })
    ).body.thread;
    await jordan.send(jordan.seal(thread, [morgan], 'LOGCANARY: the stepfather has returned'));
    jordan.disconnect();
    morgan.disconnect();

    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(typeof entry.level).toBe('number');
      if (entry.msg === 'request') expect(entry.reqId).toMatch(/^[0-9a-f-]{36}$/);
    }
    const all = lines.join('\n');
    const secrets = [
      'Ignatius',
      'Vellacourt',
      'Foxglove',
      'NM6 3XY',
      'Perpetua',
      '960 444',
      'LOGCANARY',
      'stepfather',
      'Wrong-Password-Secret-1',
      haven.account('Jordan').password,
      haven.account('Jordan').totpSecret ?? 'no-secret',
      jordan.api.cookie('haven_session') ?? 'no-cookie',
      jordan.api.cookie('haven_csrf') ?? 'no-cookie',
    ];
    for (const secret of secrets) expect(all, `logs contain ${secret}`).not.toContain(secret);
  });
});

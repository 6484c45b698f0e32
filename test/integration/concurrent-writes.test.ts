import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, startConversation, welfareRecord } from '../support/practitioner';

// The same request 8 times at once, where a row must be unique: the database's constraint decides
// which one wins, and the rest are told why (409), never 500. Registrations and agencies are in
// invites-and-agencies.test.ts.
let haven: TestHaven;
const people = new People(() => haven);
beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true });
});
afterAll(() => haven.close());

type ErrorBody = { error: { code: string } };

describe('concurrent writes of a unique row', () => {
  it("8 records of one agency's involvement with a child at once: one is recorded, the rest are refused with the reason", async () => {
    const morgan = await people.as('Morgan');
    const found = await morgan.get<{ children: { id: string }[] }>('/api/children?name=Amara+Osei');
    const amaraId = found.body.children[0]?.id ?? '';
    const answers = await Promise.all(Array.from({ length: 8 }, () => morgan.post<ErrorBody>(`/api/children/${amaraId}/involvement`)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    for (const refused of answers.filter((a) => a.status === 409)) expect(refused.body.error.code).toBe('already_involved');
  });

  it('8 additions of one person to a conversation at once: one is added, the rest are refused with the reason', async () => {
    const [jordan, morgan, ruth] = await Promise.all(['Jordan', 'Morgan', 'Ruth'].map(async (name) => new Practitioner(await people.as(name))));
    if (!jordan || !morgan || !ruth) throw new Error('demo people missing');
    await Promise.all([jordan, morgan, ruth].map((p) => p.publishKeys()));
    const thread = await startConversation(jordan, [morgan], 'Lily Hartwell');
    const body = { userId: ruth.userId, needToKnowReason: 'Designated officer for the family', record: welfareRecord };
    const answers = await Promise.all(Array.from({ length: 8 }, () => jordan.api.post<ErrorBody>(`/api/threads/${thread.id}/participants`, body)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    for (const refused of answers.filter((a) => a.status === 409)) expect(refused.body.error.code).toBe('already_participant');
  });
});

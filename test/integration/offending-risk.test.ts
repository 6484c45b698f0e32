import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { startWorkers, type RunningWorkers } from '../../workers/runner';
import { rawClient } from '../support/database';
import { TestClock, startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, welfareRecord } from '../support/practitioner';

const clock = new TestClock();
let haven: TestHaven;
let workers: RunningWorkers;
const people = new People(() => haven, clock.now);
const cast: Record<'ruth' | 'alex' | 'jordan' | 'morgan', Practitioner> = {} as never;
let callumId = '';
let specialFileId = '';

type ErrorBody = { error: { code: string; message: string } };
type Obligation = { id: string; dueAt: string; remindAt: string; overdue: boolean; escalations: number };

const emergencyShare = (participants: { userId: string }[], over: Record<string, unknown> = {}) => ({
  occurredAt: clock.now().toISOString(),
  tier: 'offending_risk',
  emergency: true,
  participants,
  record: {
    ...welfareRecord,
    kindsOfInformation: ['offending_or_antisocial_behaviour'],
    schedule1Condition: 'preventing_or_detecting_unlawful_acts',
    legalGateway: 'crime_and_disorder_act_1998_s115',
  },
  ...over,
});

/** Runs one sweep through the real BullMQ worker and waits for it. */
async function sweep(): Promise<{ reminders: number; escalations: number }> {
  const done = new Promise<{ reminders: number; escalations: number }>((resolve, reject) => {
    workers.worker.once('completed', (job, result) =>
      job.name === 'obligations.sweep' ? resolve(result as { reminders: number; escalations: number }) : undefined,
    );
    workers.worker.once('failed', (_job, error) => reject(error));
  });
  await workers.queue.add('obligations.sweep', {});
  return done;
}

async function notices(): Promise<{ kind: string; round: number; user: string }[]> {
  const client = await rawClient(haven.database.url);
  try {
    return (
      await client.query<{ kind: string; round: number; user: string }>(
        'select n.kind, n.round, u.name as "user" from notices n join users u on u.id = n.user_id order by n.created_at, n.kind, u.name',
      )
    ).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true, clock: clock.now, env: { HAVEN_OBLIGATION_REMINDER_HOURS: '24', HAVEN_OBLIGATION_ESCALATION_HOURS: '24' } });
  workers = await startWorkers(
    haven.ctx,
    { redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: `haven-test-${randomBytes(4).toString('hex')}` },
    pino({ level: 'silent' }),
  );
  for (const [key, name] of [
    ['ruth', 'Ruth'],
    ['alex', 'Alex'],
    ['jordan', 'Jordan'],
    ['morgan', 'Morgan'],
  ] as const) {
    cast[key] = new Practitioner(await people.as(name));
    await cast[key].publishKeys();
    await cast[key].connect();
  }
  callumId = (await cast.ruth.api.get<{ children: { id: string }[] }>('/api/children?name=Callum+Byrne')).body.children[0]?.id ?? '';
});
afterAll(async () => {
  for (const p of Object.values(cast)) p.disconnect();
  await workers.queue.obliterate({ force: true });
  await workers.close();
  await haven.close();
});

describe('marking a child as at risk of offending', () => {
  it('only a designated officer can mark, with a reason; it is audited and opens the special file', async () => {
    const refused = await cast.jordan.api.post<ErrorBody>(`/api/children/${callumId}/offending-risk`, { reason: 'Seen with older youths' });
    expect(refused.body.error.code).toBe('not_designated_officer');
    const marked = await cast.ruth.api.post<{ marked: boolean; specialFileId: string }>(`/api/children/${callumId}/offending-risk`, {
      reason: 'Referral from the youth offending panel',
    });
    expect(marked.body.marked).toBe(true);
    specialFileId = marked.body.specialFileId;
    const view = await cast.ruth.api.post<{ child: { offendingRisk: boolean | null } }>(`/api/children/${callumId}/open`, { reason: 'Case planning' });
    expect(view.body.child.offendingRisk).toBe(true);
    // Practitioners are not told through the entry.
    expect(
      (await cast.jordan.api.post<{ child: { offendingRisk: boolean | null } }>(`/api/children/${callumId}/open`, { reason: 'Checking' })).body.child
        .offendingRisk,
    ).toBeNull();
  });

  it('adds another designated officer to the case; only officers on the case see the special file', async () => {
    expect(
      (await cast.ruth.api.post<ErrorBody>(`/api/children/${callumId}/case-officers`, { userId: cast.morgan.userId, record: welfareRecord })).body.error.code,
    ).toBe('recipient_not_designated_officer');
    expect((await cast.ruth.api.post(`/api/children/${callumId}/case-officers`, { userId: cast.alex.userId, record: welfareRecord })).status).toBe(200);
    const file = (await cast.alex.api.get<{ officerIds: string[]; officers: { id: string; name: string }[] }>(`/api/children/${callumId}/special-file`)).body;
    expect(file.officerIds.sort()).toEqual([cast.alex.userId, cast.ruth.userId].sort());
    // The officers on the case see each other's names (so a reloaded page can say who filed what).
    expect(file.officers.map((o) => o.name).sort()).toEqual(['Alex Carter', 'Ruth Adeyemi']);
    expect((await cast.jordan.api.get<ErrorBody>(`/api/children/${callumId}/special-file`)).body.error.code).toBe('not_designated_officer');
    expect((await (await people.as('Priya')).get<ErrorBody>(`/api/children/${callumId}/special-file`)).status).toBe(403);
    // The special file is absent from everyone else's conversations.
    expect((await cast.jordan.api.get<{ threads: { id: string }[] }>('/api/threads')).body.threads.map((t) => t.id)).not.toContain(specialFileId);
  });
});

describe('written records only', () => {
  it('refuses conversations, ordinary verbal shares and non-officers for a marked child, with the reason', async () => {
    expect(
      (await cast.ruth.api.post<ErrorBody>(`/api/children/${callumId}/threads`, { participants: [{ userId: cast.alex.userId }], record: welfareRecord })).body
        .error.code,
    ).toBe('written_records_only');
    expect(
      (await cast.ruth.api.post<ErrorBody>(`/api/children/${callumId}/verbal-shares`, emergencyShare([{ userId: cast.alex.userId }], { emergency: false })))
        .body.error.code,
    ).toBe('verbal_share_refused');
    expect(
      (await cast.ruth.api.post<ErrorBody>(`/api/children/${callumId}/verbal-shares`, emergencyShare([{ userId: cast.morgan.userId }]))).body.error.code,
    ).toBe('recipient_not_designated_officer');
    expect(
      (await cast.morgan.api.post<ErrorBody>(`/api/children/${callumId}/verbal-shares`, emergencyShare([{ userId: cast.ruth.userId }]))).body.error.code,
    ).toBe('not_designated_officer');
    const welfareTier = await cast.ruth.api.post<ErrorBody & { error: { issues: { path: string }[] } }>(
      `/api/children/${callumId}/verbal-shares`,
      emergencyShare([{ userId: cast.alex.userId }], { tier: 'welfare' }),
    );
    expect(welfareTier.body.error.issues[0]?.path).toBe('tier');
    const asMessage = cast.ruth.seal({ id: specialFileId, childId: callumId }, [cast.alex], 'not a record', { kind: 'message', tier: 'welfare' });
    expect(await cast.ruth.send(asMessage)).toMatchObject({ ok: false, error: { code: 'wrong_share_kind' } });
  });

  it('an emergency verbal share creates an obligation due in 3 working days; filing the written record discharges it', async () => {
    const share = await cast.ruth.api.post(`/api/children/${callumId}/verbal-shares`, emergencyShare([{ userId: cast.alex.userId }]));
    expect(share.status).toBe(201);
    const [obligation] = (await cast.ruth.api.get<{ obligations: (Obligation & { childName: string | null })[] }>('/api/obligations/mine')).body.obligations;
    expect(obligation).toBeDefined();
    // The officer on the case sees whom the record is for, and the name shown is audited.
    expect(obligation?.childName).toBe('Callum Byrne');
    const client = await rawClient(haven.database.url);
    const { rows: listed } = await client
      .query<{ detail: { where: string; returned: string[] } }>(`SELECT detail FROM audit_entries WHERE action = 'child.names_listed' AND actor_id = $1`, [
        cast.ruth.userId,
      ])
      .finally(() => client.end());
    expect(listed.map((r) => r.detail)).toContainEqual({ where: 'written-records-due', returned: [callumId] });
    const { addWorkingDays } = await import('../../server/shared/working-days');
    expect(obligation?.dueAt).toBe(
      addWorkingDays(new Date(Date.parse(share.body.entry ? (share.body.entry as { occurredAt: string }).occurredAt : '')), 3, {
        nonWorkingDays: new Set(),
      }).toISOString(),
    );
    const record = cast.ruth.seal({ id: specialFileId, childId: callumId }, [cast.alex], 'Written record: information shared by phone at 10:05 about …', {
      kind: 'written_record',
      tier: 'offending_risk',
      record: emergencyShare([]).record,
    });
    const ack = await cast.ruth.socket?.timeout(10_000).emitWithAck('share:send', { envelope: record, dischargesObligationId: obligation?.id });
    expect(ack).toMatchObject({ ok: true });
    expect((await cast.ruth.api.get<{ obligations: Obligation[] }>('/api/obligations/mine')).body.obligations).toEqual([]);
    // Alex, on the case, opens the record.
    const file = await cast.alex.api.get<{ records: { id: string; envelope: Record<string, unknown> | null }[] }>(`/api/children/${callumId}/special-file`);
    expect(
      cast.alex.open(
        {
          id: record.header.id,
          threadId: specialFileId,
          childId: callumId,
          kind: 'written_record',
          envelope: file.body.records.find((r) => r.id === record.header.id)?.envelope ?? null,
        },
        cast.ruth,
      ),
    ).toContain('Written record');
  });
});

describe('deadline workers', () => {
  it('remind before the deadline, escalate when overdue and again while it stays overdue — each exactly once', async () => {
    await cast.ruth.api.post(`/api/children/${callumId}/verbal-shares`, emergencyShare([{ userId: cast.alex.userId }]));
    const [obligation] = (await cast.ruth.api.get<{ obligations: Obligation[] }>('/api/obligations/mine')).body.obligations;
    if (!obligation) throw new Error('no obligation');
    const before = (await notices()).length;
    await sweep();
    expect((await notices()).length).toBe(before);

    clock.setTo(new Date(Date.parse(obligation.remindAt) + 60_000));
    expect(await sweep()).toEqual({ reminders: 1, escalations: 0 });
    await sweep();
    expect((await notices()).slice(before)).toEqual([{ kind: 'obligation_reminder', round: 1, user: 'Ruth Adeyemi' }]);

    clock.setTo(new Date(Date.parse(obligation.dueAt) + 60_000));
    expect(await sweep()).toEqual({ reminders: 0, escalations: 1 });
    expect(await sweep()).toEqual({ reminders: 0, escalations: 0 });
    clock.setTo(new Date(Date.parse(obligation.dueAt) + 25 * 3_600_000));
    expect(await sweep()).toEqual({ reminders: 0, escalations: 1 });
    expect((await notices()).slice(before)).toEqual([
      { kind: 'obligation_reminder', round: 1, user: 'Ruth Adeyemi' },
      { kind: 'obligation_escalation', round: 1, user: 'Priya Natarajan' },
      { kind: 'obligation_escalation', round: 2, user: 'Priya Natarajan' },
    ]);

    people.forget();
    const priya = await people.as('Priya');
    const escalated = await priya.get<{ obligations: (Obligation & { officer: { name: string } })[] }>('/api/obligations/escalations');
    expect(escalated.body.obligations).toEqual([
      expect.objectContaining({ id: obligation.id, overdue: true, escalations: 2, officer: expect.objectContaining({ name: 'Ruth Adeyemi' }) }),
    ]);
    const ruth = await people.as('Ruth');
    expect((await ruth.get<{ obligations: Obligation[] }>('/api/obligations/mine')).body.obligations[0]).toMatchObject({ overdue: true });

    // Only an admin cancels, with a reason; it is never deleted, and no more escalations follow.
    expect((await ruth.post<ErrorBody>(`/api/obligations/${obligation.id}/cancel`, { reason: 'Not needed' })).body.error.code).toBe('not_an_admin');
    expect((await priya.post(`/api/obligations/${obligation.id}/cancel`, { reason: 'Recorded on paper during the outage' })).status).toBe(200);
    clock.setTo(new Date(Date.parse(obligation.dueAt) + 50 * 3_600_000));
    expect(await sweep()).toEqual({ reminders: 0, escalations: 0 });
    const client = await rawClient(haven.database.url);
    try {
      await expect(client.query('delete from obligations')).rejects.toThrow(/cannot be deleted/);
    } finally {
      await client.end();
    }
  });
});

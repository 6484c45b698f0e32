import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ClientToServerEvents, RetentionProgress, ServerToClientEvents } from '../../server/realtime/events';
import { seedAgedChildren } from '../support/aged-children';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';

let haven: TestHaven;
const people = new People(() => haven);
let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
const progress: RetentionProgress[] = [];
// Two batches of 500 and a part batch.
const DUE = 1_234;

type Run = { runId: string; dryRun: boolean; children: { childId: string }[] };
type RunView = { id: string; status: string; dryRun: boolean; done: number; total: number | null };

beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true, env: { HAVEN_RETENTION_BATCH_SIZE: '500' } });
  await seedAgedChildren(haven.database.url, DUE);
  const sam = await people.as('Sam');
  socket = sam.socket();
  socket.on('retention:progress', (p) => progress.push(p));
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
});
afterAll(async () => {
  socket?.close();
  await haven?.close();
});

/** The events for one run, once its `finished` event has arrived. */
async function progressOf(runId: string): Promise<RetentionProgress[]> {
  await vi.waitFor(() => expect(progress.some((p) => p.runId === runId && p.phase === 'finished')).toBe(true));
  return progress.filter((p) => p.runId === runId);
}

function expectCountsUp(events: RetentionProgress[], total: number, phase: RetentionProgress['phase']): void {
  expect(events.map((p) => p.total)).toEqual(events.map(() => total));
  expect(events.map((p) => p.phase)).toEqual([...events.slice(0, -1).map(() => phase), 'finished']);
  const done = events.map((p) => p.done);
  expect(done[0]).toBe(0);
  expect(done.at(-1)).toBe(total);
  for (let i = 1; i < done.length; i++) expect(done[i]).toBeGreaterThanOrEqual(done[i - 1] ?? 0);
}

describe('retention run progress', () => {
  it('a dry run counts what is due first, then reports each batch to the admin who started it, ending at the total', async () => {
    const sam = await people.as('Sam');
    const dry = await sam.post<Run>('/api/retention/runs', { dryRun: true });
    expect(dry.status).toBe(201);
    expect(dry.body.children).toHaveLength(DUE);
    const events = await progressOf(dry.body.runId);
    expectCountsUp(events, DUE, 'listing');
    // A report as batches of 500 finish (two run at once: the part batch may finish before a
    // full one, and a report overtaken by the other batch's is not sent), always counting up.
    const done = events.map((p) => p.done);
    expect([done[0], done.at(-2), done.at(-1)]).toEqual([0, DUE, DUE]);
    const between = done.slice(1, -2);
    expect(between.length).toBeGreaterThanOrEqual(1);
    for (const d of between) expect([500, 500 + DUE - 1_000, 1_000]).toContain(d);
    for (let i = 1; i < done.length - 1; i++) expect(done[i]).toBeGreaterThan(done[i - 1] ?? 0);

    const { body } = await sam.get<{ run: RunView }>(`/api/retention/runs/${dry.body.runId}`);
    expect(body.run).toMatchObject({ id: dry.body.runId, status: 'finished', dryRun: true, done: DUE, total: DUE });
  });

  it('a destruction run keeps its progress on its row after each batch, for anyone following it by id', async () => {
    const sam = await people.as('Sam');
    // Read the row as soon as the first batch is reported: it already says so.
    const midway: Promise<{ body: { run: RunView } }>[] = [];
    const readRow = (p: RetentionProgress) => {
      if (p.phase === 'destroying' && p.done > 0 && !midway.length) midway.push(sam.get<{ run: RunView }>(`/api/retention/runs/${p.runId}`));
    };
    socket.on('retention:progress', readRow);
    try {
      const run = await sam.post<Run>('/api/retention/runs', { dryRun: false });
      expect(run.body.children).toHaveLength(DUE);
      expectCountsUp(await progressOf(run.body.runId), DUE, 'destroying');
      expect(midway).toHaveLength(1);
      const row = (await midway[0])?.body.run;
      expect(row).toMatchObject({ id: run.body.runId, total: DUE });
      expect(row?.done).toBeGreaterThanOrEqual(500);
      expect(row?.done).toBeLessThanOrEqual(DUE);

      const { body } = await sam.get<{ runs: RunView[] }>('/api/retention/runs');
      expect(body.runs[0]).toMatchObject({ id: run.body.runId, status: 'finished', done: DUE, total: DUE });
    } finally {
      socket.off('retention:progress', readRow);
    }
  });

  it('a run with nothing due reports nought of nought and finishes', async () => {
    const run = await (await people.as('Sam')).post<Run>('/api/retention/runs', { dryRun: true });
    expect((await progressOf(run.body.runId)).map((p) => [p.phase, p.done, p.total])).toEqual([
      ['listing', 0, 0],
      ['finished', 0, 0],
    ]);
  });

  it('only a system admin follows a run, and an unknown run is not found', async () => {
    const runId = progress[0]?.runId ?? '';
    expect((await (await people.as('Priya')).get<{ error: { code: string } }>(`/api/retention/runs/${runId}`)).body.error.code).toBe('not_system_admin');
    const sam = await people.as('Sam');
    expect((await sam.get(`/api/retention/runs/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await sam.get('/api/retention/runs/not-a-run')).status).toBe(400);
  });
});

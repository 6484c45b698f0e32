import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { io } from 'socket.io-client';
import { ready, type Envelope } from '../crypto';
import { loadConfig } from '../server/config';
import type { Database } from '../server/db';
import { ApiClient } from '../test/support/client';
import { createTestDatabase } from '../test/support/database';
import { Practitioner, welfareRecord } from '../test/support/practitioner';
import { seedCrowd, type CrowdMember } from './delivery/crowd';
import type { Outgoing, Target } from './delivery/load';
import { startHavenProcess, startRelayProcess, type ServerProcess } from './delivery/processes';
import { Side, type SideFigures } from './delivery/side';
import type { BenchResult } from './harness';
import { TEST_TRUST_ENV } from '../test/support/trust-roots';

export interface DeliveryOptions {
  users: number;
  /** Messages per second offered in the latency rounds. */
  ratePerSecond: number;
  /** Seconds the latency rounds last in all. */
  seconds: number;
  /** Messages in each throughput round. */
  throughputMessages: number;
  /** Rounds of each kind (throughput, latency), Haven's alternating with the relay's. */
  rounds: number;
  /** Sends awaiting their ack at once in a throughput round. */
  window: number;
  redisUrl: string;
}

interface Thread {
  id: string;
  childId: string;
  members: Practitioner[];
}

const BODY = 'x'.repeat(1024);
/** Sender/recipient pairs in the second shape, as in the outside measurement issue 22 quotes. */
const PAIRS = 50;
const HAVEN_ENV = { HAVEN_SENDS_PER_USER_PER_MINUTE: '100000', HAVEN_SENDS_PER_ADDRESS_PER_MINUTE: '1000000' };

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** Every practitioner in at least one conversation of 2–6 people, each about one of the children. */
async function startThreads(people: Practitioner[], childIds: string[]): Promise<Thread[]> {
  const order = shuffled(people);
  const groups: Practitioner[][] = [];
  for (let i = 0; i < order.length;) {
    const size = Math.min(order.length - i, 2 + Math.floor(Math.random() * 5));
    groups.push(order.slice(i, (i += size)));
  }
  const last = groups.at(-1);
  if (last?.length === 1) groups.at(-2)?.push(...groups.pop()!);
  const threads: Thread[] = [];
  for (const [g, members] of groups.entries()) {
    const [starter, ...others] = members;
    const childId = childIds[g % childIds.length];
    if (!starter || !childId) throw new Error('a conversation needs a starter and a child');
    const res = await starter.api.post<{ thread: { id: string; childId: string } }>(`/api/children/${childId}/threads`, {
      participants: others.map((p) => ({ userId: p.userId, needToKnowReason: 'Member of the team around the child' })),
      record: welfareRecord,
    });
    if (res.status !== 201) throw new Error(`starting a conversation failed: ${res.status} ${JSON.stringify(res.body)}`);
    threads.push({ ...res.body.thread, members });
  }
  return threads;
}

/** `count` messages, each sealed and signed by a random member of a random conversation to the others. */
function workload(threads: Thread[], count: number): Outgoing[] {
  return Array.from({ length: count }, () => {
    const thread = threads[Math.floor(Math.random() * threads.length)];
    if (!thread) throw new Error('no conversations');
    const sender = thread.members[Math.floor(Math.random() * thread.members.length)] ?? thread.members[0];
    if (!sender) throw new Error('an empty conversation');
    const others = thread.members.filter((m) => m !== sender);
    const envelope = sender.seal(thread, others, BODY);
    return { id: envelope.header.id, senderId: sender.userId, recipientIds: others.map((o) => o.userId), payload: { envelope } };
  });
}

function havenTarget(servers: ServerProcess[], tokens: Map<string, string>): Target {
  return {
    urls: servers.map((s) => s.url),
    connect: (url, userId) =>
      io(url, { transports: ['websocket'], extraHeaders: { cookie: `haven_session=${tokens.get(userId) ?? ''}` }, forceNew: true, reconnection: false }),
    sendEvent: 'share:send',
    receiveEvent: 'share:new',
    idOf: (received) => (received as { id: string }).id,
  };
}

function relayTarget(server: ServerProcess): Target {
  return {
    urls: [server.url],
    connect: (url, userId) => io(url, { transports: ['websocket'], auth: { userId }, forceNew: true, reconnection: false }),
    sendEvent: 'relay:send',
    receiveEvent: 'relay:new',
    idOf: (received) => (received as Envelope).header.id,
  };
}

/** The same messages as the relay would carry them: the envelope, addressed to the recipients. */
function forRelay(messages: Outgoing[]): Outgoing[] {
  return messages.map((m) => ({ ...m, payload: { to: m.recipientIds, message: (m.payload as { envelope: Envelope }).envelope } }));
}

/**
 * Lets PostgreSQL catch up before the latency rounds: without this they measured its background
 * work on the setup's and the throughput rounds' writes (autovacuum, a checkpoint), and Haven's
 * p99 swung from 10 to 51 ms between runs; the relay has no database to wait for.
 */
async function settle(db: Database, log: (line: string) => void): Promise<void> {
  try {
    await db.execute(sql`vacuum analyze`);
    await db.execute(sql`checkpoint`);
  } catch (error) {
    log(`  delivery: could not settle the database before the latency rounds (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** One throughput round against these servers, after a warm-up (the scale-out comparison). */
async function throughputOf(
  what: string,
  servers: ServerProcess[],
  target: Target,
  userIds: string[],
  warmUp: Outgoing[],
  messages: Outgoing[],
  options: DeliveryOptions,
): Promise<{ deliveriesPerSecond: number; cpu: string }> {
  const side = await Side.connect(what, target, servers, userIds, options.window);
  try {
    await side.warmUp(warmUp);
    await side.throughputRound(messages);
    return side.figures();
  } finally {
    side.close();
  }
}

/** A target in an interleaved comparison, with the messages as it takes them. */
interface Contender {
  side: Side;
  adapt: (messages: Outgoing[]) => Outgoing[];
}

/**
 * Warms every contender up, then runs the throughput rounds with each round's contenders one
 * after the other, lets PostgreSQL settle, and does the same with the latency rounds: each
 * contender meets the machine at nearly the same speed (see `timeSideBySide`).
 */
async function interleaved(
  contenders: Contender[],
  warmUp: Outgoing[],
  rounds: { throughput: Outgoing[]; latency: Outgoing[] }[],
  options: DeliveryOptions,
  db: Database,
  log: (line: string) => void,
): Promise<void> {
  for (const c of contenders) await c.side.warmUp(c.adapt(warmUp));
  for (const round of rounds) for (const c of contenders) await c.side.throughputRound(c.adapt(round.throughput));
  await settle(db, log);
  for (const round of rounds) for (const c of contenders) await c.side.latencyRound(c.adapt(round.latency), options.ratePerSecond);
}

/** Fresh messages for every round: Haven would take a message sent twice for a resend. */
function roundsOf(make: (count: number) => Outgoing[], options: DeliveryOptions) {
  const latencyPerRound = Math.ceil((options.ratePerSecond * options.seconds) / options.rounds);
  return {
    warmUp: make(200),
    rounds: Array.from({ length: options.rounds }, () => ({ throughput: make(options.throughputMessages), latency: make(latencyPerRound) })),
  };
}

/** `count` messages, each from a pair's first member to its second: the shape of issue 22's outside measurement. */
function pairWorkload(pairs: Thread[], count: number): Outgoing[] {
  return Array.from({ length: count }, () => {
    const pair = pairs[Math.floor(Math.random() * pairs.length)];
    const [sender, recipient] = pair?.members ?? [];
    if (!pair || !sender || !recipient) throw new Error('a pair needs two members');
    const envelope = sender.seal(pair, [recipient], BODY);
    return { id: envelope.header.id, senderId: sender.userId, recipientIds: [recipient.userId], payload: { envelope } };
  });
}

/** One conversation per pair of people, about one of the children. */
async function startPairs(people: Practitioner[], childIds: string[]): Promise<Thread[]> {
  const pairs: Thread[] = [];
  for (let i = 0; i + 1 < people.length; i += 2) {
    const [sender, recipient] = [people[i], people[i + 1]];
    const childId = childIds[(i / 2) % childIds.length];
    if (!sender || !recipient || !childId) throw new Error('a pair needs two people and a child');
    const res = await sender.api.post<{ thread: { id: string; childId: string } }>(`/api/children/${childId}/threads`, {
      participants: [{ userId: recipient.userId, needToKnowReason: 'Member of the team around the child' }],
      record: welfareRecord,
    });
    if (res.status !== 201) throw new Error(`starting a conversation failed: ${res.status} ${JSON.stringify(res.body)}`);
    pairs.push({ ...res.body.thread, members: [sender, recipient] });
  }
  return pairs;
}

/** How long the start of a latency round lasts, for the tail reported with and without it. */
const ROUND_START_MS = 150;

/** HAVEN_BENCH_LATENCY_TIMELINE=dir writes each side's latency rounds, delivery by delivery, there as JSON. */
function writeTimelines(shape: string, sides: Record<string, Side>): void {
  const dir = process.env.HAVEN_BENCH_LATENCY_TIMELINE;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  for (const [name, side] of Object.entries(sides)) writeFileSync(path.join(dir, `${shape}-${name}.json`), JSON.stringify(side.latencyTimelines));
}

const ratio = (haven: number | undefined, baseline: number | undefined) => (haven === undefined || baseline === undefined ? Number.NaN : haven / baseline);

/**
 * Haven against one baseline in one shape: throughput, p50, p99, and (with `cpu`) CPU per message
 * of the server, of PostgreSQL, and of both together. `goals` name what each is held to.
 */
function versus(
  name: string,
  haven: SideFigures,
  baseline: SideFigures,
  goals: { throughput: string; p99: string; cpu?: string },
  load: string,
): BenchResult[] {
  const results: BenchResult[] = [
    {
      name: `${name}: throughput`,
      haven: haven.deliveriesPerSecond,
      baseline: baseline.deliveriesPerSecond,
      ratio: haven.deliveriesPerSecond / baseline.deliveriesPerSecond,
      unit: 'deliveries/s',
      goal: goals.throughput,
    },
    { name: `${name}: p50`, haven: haven.p50Ms, baseline: baseline.p50Ms, ratio: haven.p50Ms / baseline.p50Ms, unit: 'ms', goal: `reported, at ${load}` },
    { name: `${name}: p99`, haven: haven.p99Ms, baseline: baseline.p99Ms, ratio: haven.p99Ms / baseline.p99Ms, unit: 'ms', goal: `${goals.p99}, at ${load}` },
  ];
  if (!goals.cpu) return results;
  const total = (f: SideFigures) => (f.cpuMs.server === undefined || f.cpuMs.database === undefined ? undefined : f.cpuMs.server + f.cpuMs.database);
  const cpu = (what: string, h: number | undefined, b: number | undefined, goal: string): BenchResult => ({
    name: `${name}: CPU per message, ${what}`,
    haven: h ?? Number.NaN,
    baseline: b ?? Number.NaN,
    ratio: ratio(h, b),
    unit: 'ms',
    goal,
  });
  return [
    ...results,
    cpu('server', haven.cpuMs.server, baseline.cpuMs.server, 'reported (lower is better)'),
    cpu('PostgreSQL', haven.cpuMs.database, baseline.cpuMs.database, 'reported (lower is better)'),
    cpu('server + PostgreSQL', total(haven), total(baseline), goals.cpu),
  ];
}

const DURABLE_GOALS = { throughput: '≥ 0.8×, aim 1.0× (higher is better)', p99: '≤ 1.5× (lower is better)', cpu: '≤ 1.5× (lower is better)' };

/**
 * Haven against two relays driven by the same harness: a bare Socket.IO relay that stores nothing
 * (the physical limit) and a naive durable relay (one INSERT committed before the ack: the peer
 * that keeps messages, as Haven does). Two shapes: the crowd (`users` signed-in sockets,
 * conversations of 2–6) and 50 sender/recipient pairs; 1 KiB messages sealed and signed for every
 * recipient, in rounds where the three alternate, with the CPU each side's throughput rounds took
 * per message (server, harness, PostgreSQL). Then Haven on two processes sharing rooms through
 * Redis against one process, for the scale-out ratio.
 */
export async function deliveryBench(options: DeliveryOptions, log: (line: string) => void): Promise<BenchResult[]> {
  await ready();
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'haven-bench-'));
  const servers: ServerProcess[] = [];
  try {
    const config = loadConfig({ ...TEST_TRUST_ENV, DATABASE_URL: database.url, LOG_LEVEL: 'silent' });
    const { members, childIds } = await seedCrowd(database.handle.db, config, Math.max(options.users, PAIRS * 2), 20);
    const tokens = new Map(members.map((m: CrowdMember) => [m.userId, m.token]));
    // The database's installation key, and the anchor file in a folder of the bench's own (not ./data).
    const env = { ...TEST_TRUST_ENV, DATABASE_URL: database.url, HAVEN_INSTALLATION_SEED: database.installationSeed, HAVEN_DATA_DIR: dataDir, ...HAVEN_ENV };
    const one = await startHavenProcess(env);
    servers.push(one);
    const people = members.map((m) => {
      const api = new ApiClient(one.url);
      api.adoptSession(m.token);
      return new Practitioner(api);
    });
    for (let i = 0; i < people.length; i += 25) await Promise.all(people.slice(i, i + 25).map((p) => p.publishKeys()));
    const crowd = people.slice(0, options.users);
    const threads = await startThreads(crowd, childIds);
    const pairs = await startPairs(people.slice(0, PAIRS * 2), childIds);
    const userIds = crowd.map((p) => p.userId);
    const pairIds = pairs.flatMap((p) => p.members.map((m) => m.userId));
    log(`  delivery: ${userIds.length} signed-in users in ${threads.length} conversations of 2–6, and ${pairs.length} pairs; sealing the messages…`);
    const crowdRounds = roundsOf((count) => workload(threads, count), options);
    const pairRounds = roundsOf((count) => pairWorkload(pairs, count), options);

    const relayServer = await startRelayProcess('bare');
    const durableServer = await startRelayProcess('durable', database.url);
    servers.push(relayServer, durableServer);
    const same = (messages: Outgoing[]) => messages;
    const sides = async (ids: string[]) => ({
      haven: await Side.connect('Haven', havenTarget([one], tokens), [one], ids, options.window),
      durable: await Side.connect('the durable relay', relayTarget(durableServer), [durableServer], ids, options.window),
      relay: await Side.connect('the bare relay', relayTarget(relayServer), [relayServer], ids, options.window),
    });
    const measure = async (what: string, ids: string[], plan: ReturnType<typeof roundsOf>) => {
      const s = await sides(ids);
      try {
        log(`  delivery, ${what}: ${options.rounds} rounds of each kind, Haven's, the durable relay's and the bare relay's in turn…`);
        const contenders = [
          { side: s.haven, adapt: same },
          { side: s.durable, adapt: forRelay },
          { side: s.relay, adapt: forRelay },
        ];
        await interleaved(contenders, plan.warmUp, plan.rounds, options, database.handle.db, log);
      } finally {
        for (const side of Object.values(s)) side.close();
      }
      const figures = { haven: s.haven.figures(), durable: s.durable.figures(), relay: s.relay.figures() };
      for (const side of Object.values(s)) log(`  delivery, ${what}: ${side.what}'s throughput rounds used ${side.figures().cpu}`);
      for (const side of Object.values(s)) {
        const tail = side.tailApartFromStarts(ROUND_START_MS);
        log(
          `  delivery, ${what}: ${side.what}'s latency p99 without each round's first ${ROUND_START_MS} ms ${tail.p99Ms.toFixed(1)} ms; worst within them ${tail.worstAtStartMs.toFixed(1)} ms`,
        );
      }
      writeTimelines(what, s);
      return figures;
    };
    const crowdFigures = await measure('crowd', userIds, crowdRounds);
    const pairFigures = await measure('pairs', pairIds, pairRounds);
    await one.stop();
    await relayServer.stop();
    await durableServer.stop();
    const hf = crowdFigures.haven;
    const rf = crowdFigures.relay;

    log('  delivery: scale-out, one process then two sharing rooms through Redis…');
    const scaled = { ...env, REDIS_URL: options.redisUrl, HAVEN_QUEUE_PREFIX: `bench-${process.pid}` };
    const single = await startHavenProcess(scaled);
    servers.push(single);
    const oneProcess = await throughputOf(
      'one process',
      [single],
      havenTarget([single], tokens),
      userIds,
      workload(threads, 200),
      workload(threads, options.throughputMessages),
      options,
    );
    log(`  delivery: Haven on one process with Redis used ${oneProcess.cpu}`);
    const second = await startHavenProcess(scaled);
    servers.push(second);
    const twoProcesses = await throughputOf(
      'two processes',
      [single, second],
      havenTarget([single, second], tokens),
      userIds,
      workload(threads, 200),
      workload(threads, options.throughputMessages),
      options,
    );
    log(`  delivery: Haven on two processes with Redis used ${twoProcesses.cpu}`);

    const load = `${options.ratePerSecond} messages/s offered`;
    const crowdShape = `${userIds.length} users in conversations of 2–6`;
    return [
      {
        name: 'delivery-throughput',
        haven: hf.deliveriesPerSecond,
        baseline: rf.deliveriesPerSecond,
        ratio: hf.deliveriesPerSecond / rf.deliveriesPerSecond,
        unit: 'deliveries/s',
        goal: '≥ 0.5× (higher is better)',
      },
      { name: 'delivery-p50', haven: hf.p50Ms, baseline: rf.p50Ms, ratio: hf.p50Ms / rf.p50Ms, unit: 'ms', goal: `reported, at ${load}` },
      { name: 'delivery-p99', haven: hf.p99Ms, baseline: rf.p99Ms, ratio: hf.p99Ms / rf.p99Ms, unit: 'ms', goal: `≤ 3× (lower is better), at ${load}` },
      ...versus(`delivery vs durable relay, ${crowdShape}`, crowdFigures.haven, crowdFigures.durable, DURABLE_GOALS, load),
      ...versus(`delivery vs durable relay, ${PAIRS} pairs`, pairFigures.haven, pairFigures.durable, DURABLE_GOALS, load),
      ...versus(
        `delivery vs bare relay, ${PAIRS} pairs`,
        pairFigures.haven,
        pairFigures.relay,
        { throughput: 'reported: the physical limit', p99: 'reported' },
        load,
      ),
      {
        name: 'scale-out',
        haven: twoProcesses.deliveriesPerSecond,
        baseline: oneProcess.deliveriesPerSecond,
        ratio: twoProcesses.deliveriesPerSecond / oneProcess.deliveriesPerSecond,
        unit: 'deliveries/s',
        goal: 'reported: two processes ÷ one (2 cores limit it)',
      },
    ];
  } finally {
    for (const server of servers) await server.stop();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

import { io } from 'socket.io-client';
import { ready, type Envelope } from '../crypto';
import { loadConfig } from '../server/config';
import { ApiClient } from '../test/support/client';
import { createTestDatabase } from '../test/support/database';
import { Practitioner, welfareRecord } from '../test/support/practitioner';
import { seedCrowd, type CrowdMember } from './delivery/crowd';
import { connectCrowd, runLoad, type LoadFigures, type Outgoing, type Target } from './delivery/load';
import { cpuPerMessage, readCpu } from './delivery/cpu';
import { startHavenProcess, startRelayProcess, type ServerProcess } from './delivery/processes';
import type { BenchResult } from './harness';

export interface DeliveryOptions {
  users: number;
  /** Messages per second offered in the latency phase. */
  ratePerSecond: number;
  /** Seconds the latency phase lasts. */
  seconds: number;
  /** Messages in each throughput phase. */
  throughputMessages: number;
  /** Sends awaiting their ack at once in a throughput phase. */
  window: number;
  redisUrl: string;
}

interface Thread {
  id: string;
  childId: string;
  members: Practitioner[];
}

const BODY = 'x'.repeat(1024);
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

function requireComplete(what: string, figures: LoadFigures): LoadFigures {
  if (figures.failedSends || figures.deliveries !== figures.expected) {
    throw new Error(
      `${what}: ${figures.failedSends} sends failed (${JSON.stringify(figures.failures)}), ${figures.deliveries} of ${figures.expected} deliveries arrived`,
    );
  }
  return figures;
}

async function measure(
  what: string,
  target: Target,
  servers: ServerProcess[],
  userIds: string[],
  phases: { warmUp: Outgoing[]; throughput: Outgoing[]; latency?: Outgoing[] },
  options: DeliveryOptions,
  log: (line: string) => void,
) {
  const crowd = await connectCrowd(target, userIds);
  try {
    await runLoad(target, crowd, phases.warmUp, { window: options.window });
    const pids = servers.map((s) => s.pid);
    const before = readCpu(pids);
    const throughput = requireComplete('throughput', await runLoad(target, crowd, phases.throughput, { window: options.window }));
    log(`  delivery: ${what}, throughput phase: ${cpuPerMessage(before, readCpu(pids), phases.throughput.length)}`);
    const latency = phases.latency && requireComplete('latency', await runLoad(target, crowd, phases.latency, { ratePerSecond: options.ratePerSecond }));
    return { throughput, latency };
  } finally {
    crowd.close();
  }
}

/**
 * Haven against a bare Socket.IO relay driven by the same harness: `users` signed-in sockets,
 * conversations of 2–6, 1 KiB messages sealed and signed for every recipient. Then Haven on two
 * processes sharing rooms through Redis against one process, for the scale-out ratio.
 */
export async function deliveryBench(options: DeliveryOptions, log: (line: string) => void): Promise<BenchResult[]> {
  await ready();
  const database = await createTestDatabase();
  const servers: ServerProcess[] = [];
  try {
    const config = loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent' });
    const { members, childIds } = await seedCrowd(database.handle.db, config, options.users, 20);
    const tokens = new Map(members.map((m: CrowdMember) => [m.userId, m.token]));
    const env = { DATABASE_URL: database.url, ...HAVEN_ENV };
    const one = await startHavenProcess(env);
    servers.push(one);
    const people = members.map((m) => {
      const api = new ApiClient(one.url);
      api.adoptSession(m.token);
      return new Practitioner(api);
    });
    for (let i = 0; i < people.length; i += 25) await Promise.all(people.slice(i, i + 25).map((p) => p.publishKeys()));
    const threads = await startThreads(people, childIds);
    const userIds = people.map((p) => p.userId);
    log(`  delivery: ${userIds.length} signed-in users in ${threads.length} conversations of 2–6; sealing the messages…`);
    const latencyCount = options.ratePerSecond * options.seconds;
    const phases = { warmUp: workload(threads, 200), throughput: workload(threads, options.throughputMessages), latency: workload(threads, latencyCount) };

    const haven = await measure('Haven', havenTarget([one], tokens), [one], userIds, phases, options, log);
    await one.stop();
    const relayServer = await startRelayProcess();
    servers.push(relayServer);
    const relay = await measure(
      'relay',
      relayTarget(relayServer),
      [relayServer],
      userIds,
      { warmUp: forRelay(phases.warmUp), throughput: forRelay(phases.throughput), latency: forRelay(phases.latency) },
      options,
      log,
    );
    await relayServer.stop();

    log('  delivery: scale-out, one process then two sharing rooms through Redis…');
    const scaled = { ...env, REDIS_URL: options.redisUrl, HAVEN_QUEUE_PREFIX: `bench-${process.pid}` };
    const single = await startHavenProcess(scaled);
    servers.push(single);
    const oneProcess = await measure(
      'Haven, one process with Redis',
      havenTarget([single], tokens),
      [single],
      userIds,
      { warmUp: workload(threads, 200), throughput: workload(threads, options.throughputMessages) },
      options,
      log,
    );
    const second = await startHavenProcess(scaled);
    servers.push(second);
    const twoProcesses = await measure(
      'Haven, two processes with Redis',
      havenTarget([single, second], tokens),
      [single, second],
      userIds,
      { warmUp: workload(threads, 200), throughput: workload(threads, options.throughputMessages) },
      options,
      log,
    );

    const hl = haven.latency;
    const rl = relay.latency;
    if (!hl || !rl) throw new Error('the latency phase did not run');
    const load = `${options.ratePerSecond} messages/s offered`;
    return [
      {
        name: 'delivery-throughput',
        haven: haven.throughput.deliveriesPerSecond,
        baseline: relay.throughput.deliveriesPerSecond,
        ratio: haven.throughput.deliveriesPerSecond / relay.throughput.deliveriesPerSecond,
        unit: 'deliveries/s',
        goal: '≥ 0.5× (higher is better)',
      },
      { name: 'delivery-p50', haven: hl.p50Ms, baseline: rl.p50Ms, ratio: hl.p50Ms / rl.p50Ms, unit: 'ms', goal: `reported, at ${load}` },
      { name: 'delivery-p99', haven: hl.p99Ms, baseline: rl.p99Ms, ratio: hl.p99Ms / rl.p99Ms, unit: 'ms', goal: `≤ 3× (lower is better), at ${load}` },
      {
        name: 'scale-out',
        haven: twoProcesses.throughput.deliveriesPerSecond,
        baseline: oneProcess.throughput.deliveriesPerSecond,
        ratio: twoProcesses.throughput.deliveriesPerSecond / oneProcess.throughput.deliveriesPerSecond,
        unit: 'deliveries/s',
        goal: 'reported: two processes ÷ one (2 cores limit it)',
      },
    ];
  } finally {
    for (const server of servers) await server.stop();
    await database.drop();
  }
}

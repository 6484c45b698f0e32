import { io, type Socket } from 'socket.io-client';

/** One message of the workload: who sends it, who must receive it, and what goes over the wire. */
export interface Outgoing {
  id: string;
  senderId: string;
  recipientIds: string[];
  payload: unknown;
}

/** How a target (Haven or the bare relay) is spoken to; the harness around it is the same for both. */
export interface Target {
  /** The server processes; member i connects to urls[i % urls.length]. */
  urls: string[];
  connect(url: string, userId: string): Socket;
  sendEvent: string;
  receiveEvent: string;
  /** The message id in what a recipient receives. */
  idOf(received: unknown): string;
}

export interface LoadFigures {
  deliveries: number;
  expected: number;
  failedSends: number;
  /** Refused sends by error code: a complete run has none. */
  failures: Record<string, number>;
  seconds: number;
  deliveriesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Every delivery's time from send to receipt, in milliseconds, smallest first. */
  latencies: number[];
  /** Every delivery as it arrived: how long after the round's start its message was sent, and its latency (ms). */
  timeline: { sentAfterMs: number; latencyMs: number }[];
}

export interface Crowd {
  sockets: Map<string, Socket>;
  close(): void;
}

/** Connects every user, a few at a time so the handshakes do not time out. */
export async function connectCrowd(target: Target, userIds: string[]): Promise<Crowd> {
  const sockets = new Map<string, Socket>();
  const close = () => {
    for (const socket of sockets.values()) socket.close();
  };
  try {
    for (let i = 0; i < userIds.length; i += 50) {
      await Promise.all(
        userIds.slice(i, i + 50).map(async (userId, j) => {
          const url = target.urls[(i + j) % target.urls.length] ?? '';
          const socket = target.connect(url, userId);
          await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
          sockets.set(userId, socket);
        }),
      );
    }
  } catch (error) {
    close();
    throw error;
  }
  return { sockets, close };
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/**
 * Sends the workload and times every delivery from the moment its send was emitted to the
 * moment the recipient's socket received it. `schedule` is either an offered rate (open loop:
 * message i goes at i ÷ rate seconds, whether or not earlier ones have finished) or a window
 * (closed loop: at most `window` sends awaiting their ack, for the most a target can sustain).
 */
export async function runLoad(
  target: Target,
  crowd: Crowd,
  workload: Outgoing[],
  schedule: { ratePerSecond: number } | { window: number },
): Promise<LoadFigures> {
  const sentAt = new Map<string, number>();
  // Who is still to receive each message: the sender's own devices get a copy too, which is not a delivery.
  const awaited = new Map(workload.map((m) => [m.id, new Set(m.recipientIds)]));
  const failures = new Map<string, number>();
  const latencies: number[] = [];
  const timeline: LoadFigures['timeline'] = [];
  let expected = 0;
  for (const m of workload) expected += m.recipientIds.length;
  let lastDelivery = 0;
  let failedSends = 0;
  let settle: () => void = () => undefined;
  const allDelivered = new Promise<void>((resolve) => (settle = resolve));
  const listeners: [Socket, (received: unknown) => void][] = [];
  for (const [userId, socket] of crowd.sockets) {
    const listener = (received: unknown) => {
      const id = target.idOf(received);
      const started = sentAt.get(id);
      if (started === undefined || !awaited.get(id)?.delete(userId)) return;
      lastDelivery = performance.now();
      latencies.push(lastDelivery - started);
      timeline.push({ sentAfterMs: started - start, latencyMs: lastDelivery - started });
      if (latencies.length >= expected) settle();
    };
    socket.on(target.receiveEvent, listener);
    listeners.push([socket, listener]);
  }
  const send = async (m: Outgoing) => {
    const socket = crowd.sockets.get(m.senderId);
    if (!socket) throw new Error(`sender ${m.senderId} is not connected`);
    sentAt.set(m.id, performance.now());
    const ack = (await socket.timeout(60_000).emitWithAck(target.sendEvent, m.payload)) as { ok?: boolean; error?: { code?: string } };
    if (!ack.ok) {
      const code = ack.error?.code ?? 'unknown';
      failures.set(code, (failures.get(code) ?? 0) + 1);
      failedSends += 1;
      expected -= m.recipientIds.length;
      if (latencies.length >= expected) settle();
    }
  };

  const start = performance.now();
  if ('ratePerSecond' in schedule) {
    let next = 0;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const due = Math.min(workload.length, Math.floor(((performance.now() - start) / 1000) * schedule.ratePerSecond) + 1);
        for (; next < due; next += 1) {
          const m = workload[next];
          if (m) void send(m).catch(() => (failedSends += 1));
        }
        if (next >= workload.length) {
          clearInterval(tick);
          resolve();
        }
      }, 2);
    });
  } else {
    let next = 0;
    const worker = async () => {
      for (let m = workload[next++]; m; m = workload[next++]) await send(m).catch(() => (failedSends += 1));
    };
    await Promise.all(Array.from({ length: schedule.window }, worker));
  }
  await Promise.race([allDelivered, new Promise((resolve) => setTimeout(resolve, 60_000))]);
  for (const [socket, listener] of listeners) socket.off(target.receiveEvent, listener);

  const seconds = (lastDelivery - start) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    deliveries: latencies.length,
    expected,
    failedSends,
    failures: Object.fromEntries(failures),
    seconds,
    deliveriesPerSecond: latencies.length / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    latencies: sorted,
    timeline,
  };
}

export { io };

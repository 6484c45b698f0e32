import { addCpu, cpuPerMessage, cpuSpent, readCpu, type CpuReading } from './cpu';
import { connectCrowd, percentile, runLoad, type Crowd, type LoadFigures, type Outgoing, type Target } from './load';
import { median } from '../harness';
import type { ServerProcess } from './processes';

function requireComplete(what: string, figures: LoadFigures): LoadFigures {
  if (figures.failedSends || figures.deliveries !== figures.expected) {
    throw new Error(
      `${what}: ${figures.failedSends} sends failed (${JSON.stringify(figures.failures)}), ${figures.deliveries} of ${figures.expected} deliveries arrived`,
    );
  }
  return figures;
}

export interface SideFigures {
  deliveriesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** The CPU per message as one line for the log. */
  cpu: string;
  /** CPU milliseconds per message of the server process(es) and of PostgreSQL. */
  cpuMs: { server: number | undefined; database: number | undefined };
}

/**
 * One target (Haven, or the relay) with its crowd of connected sockets, measured in rounds so
 * that its rounds can alternate with another's: the machine's speed drifts within a run, and two
 * targets measured one after the other would be measured at different speeds.
 */
export class Side {
  private readonly throughputs: number[] = [];
  private readonly latencies: number[] = [];
  /** Each latency round's deliveries in the order they arrived (for where in a round the slow ones fall). */
  readonly latencyTimelines: LoadFigures['timeline'][] = [];
  private cpu: CpuReading | undefined;
  private cpuMessages = 0;

  private constructor(
    readonly what: string,
    private readonly target: Target,
    private readonly servers: ServerProcess[],
    private readonly crowd: Crowd,
    private readonly window: number,
  ) {}

  static async connect(what: string, target: Target, servers: ServerProcess[], userIds: string[], window: number): Promise<Side> {
    return new Side(what, target, servers, await connectCrowd(target, userIds), window);
  }

  /** Sends without measuring (first connections, compiled code paths, the database's caches). */
  async warmUp(messages: Outgoing[]): Promise<void> {
    await runLoad(this.target, this.crowd, messages, { window: this.window });
  }

  /** A closed-loop round: deliveries per second with `window` sends awaiting their ack, and the CPU it took. */
  async throughputRound(messages: Outgoing[]): Promise<void> {
    const pids = this.servers.map((s) => s.pid);
    const before = readCpu(pids);
    const figures = requireComplete(`${this.what}, throughput`, await runLoad(this.target, this.crowd, messages, { window: this.window }));
    const spent = cpuSpent(before, readCpu(pids));
    this.cpu = this.cpu ? addCpu(this.cpu, spent) : spent;
    this.cpuMessages += messages.length;
    this.throughputs.push(figures.deliveriesPerSecond);
  }

  /** An open-loop round at a fixed offered rate; its latencies join the other rounds'. */
  async latencyRound(messages: Outgoing[], ratePerSecond: number): Promise<void> {
    const figures = requireComplete(`${this.what}, latency`, await runLoad(this.target, this.crowd, messages, { ratePerSecond }));
    this.latencies.push(...figures.latencies);
    this.latencyTimelines.push(figures.timeline);
  }

  /**
   * The latency rounds' p99 once each round's first `ms` are left out, and the worst latency
   * within them: how much of the tail is a round's start after the server sat idle.
   */
  tailApartFromStarts(ms: number): { p99Ms: number; worstAtStartMs: number } {
    const deliveries = this.latencyTimelines.flat();
    const later = deliveries.filter((d) => d.sentAfterMs >= ms).map((d) => d.latencyMs);
    const atStart = deliveries.filter((d) => d.sentAfterMs < ms).map((d) => d.latencyMs);
    return {
      p99Ms: percentile(
        later.sort((a, b) => a - b),
        99,
      ),
      worstAtStartMs: Math.max(0, ...atStart),
    };
  }

  /**
   * The median round's throughput, p50/p99 over every latency round's deliveries together, and
   * the CPU milliseconds the throughput rounds took per message (undefined without /proc).
   */
  figures(): SideFigures {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const perMessage = (seconds: number | undefined) => (seconds === undefined || !this.cpuMessages ? undefined : (seconds * 1000) / this.cpuMessages);
    return {
      deliveriesPerSecond: median(this.throughputs),
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      cpu: this.cpu ? cpuPerMessage(this.cpu, this.cpuMessages) : 'no throughput round',
      cpuMs: { server: perMessage(this.cpu?.server), database: perMessage(this.cpu?.database) },
    };
  }

  close(): void {
    this.crowd.close();
  }
}

// Sending one upload's ciphertext in order, at the offset the server holds (docs/attachments.md,
// "How a file travels"). No fetch here: the transport is handed in, so what happens when a request
// or its answer is lost, or when the server stands elsewhere than expected, is unit-tested
// (test/unit/chunk-sender.test.ts) apart from the network code (attachment-transfer.ts).

/** How often a lost request (or a lost question about where the upload stands) is tried in a row. */
export const RETRIES = 5;

/**
 * What a failed request means: `lost` (the connection dropped or the server failed: it may or may
 * not have stored it), `moved` (409 `wrong_offset`: the server stands elsewhere), `fatal` (anything
 * else, including this browser cancelling).
 */
export type Failure = 'lost' | 'moved' | 'fatal';

export interface ChunkTransport {
  /** Appends `bytes` at `offset`; resolves with how many bytes the server holds after. */
  put(offset: number, bytes: Uint8Array): Promise<number>;
  /** How many bytes the server holds now. */
  where(): Promise<number>;
  failure(error: unknown): Failure;
  /** Waits before trying again (rejects when the upload is cancelled meanwhile). */
  pause(ms: number): Promise<void>;
}

/** The connection went and stayed gone: what the server stored stays there, to resume from later. */
export class ConnectionLost extends Error {
  override readonly name = 'ConnectionLost';
  constructor(readonly reason: unknown) {
    super('Upload interrupted: the connection to Haven was lost. What was uploaded is kept; resume when you are back online.');
  }
}

/** The server stood elsewhere than this browser expected twice in a row: stopped rather than chase it. */
export class OffsetMismatch extends Error {
  override readonly name = 'OffsetMismatch';
  constructor() {
    super('Haven’s copy of this upload was not where this browser expected, twice in a row, so the upload stopped. Remove the file and attach it again.');
  }
}

/** How many requests may be sent before the oldest is answered: the server lets the second wait for the first (server/attachments/upload-waits.ts). */
export const REQUESTS_IN_FLIGHT = 2;

/** What became of one request: the bytes the server then held, or why it failed. */
type Answer = { held: number } | { error: unknown };

/** A request sent and not yet dealt with; its bytes are kept until then, to send again. */
interface Flight {
  offset: number;
  piece: Uint8Array;
  answer: Promise<Answer>;
}

/**
 * Sends a stream of bytes that is produced in order, one batch at a time, skipping what the server
 * already holds, with up to `depth` requests unanswered so that one request's transfer overlaps
 * the previous one's write. A request lost on the way is asked about: stored, it moves on; not
 * stored, it is sent again. When a request fails, those sent after it are let finish, and then it
 * and the ones after it that did not land go again one at a time. A server that answers 409
 * `wrong_offset` (say, a request whose answer was lost had landed after all) is asked where it
 * stands and sending carries on from there, once: a second mismatch in a row is an error. Sending
 * the same bytes at the same offset again is always safe, because the ciphertext is the same each
 * time (the same key and header).
 */
export class ChunkSender {
  private mismatches = 0;
  /** Requests sent and not yet dealt with, oldest first. */
  private flights: Flight[] = [];
  /** Where the next request starts: past everything sent, answered or not. */
  private sent: number;

  constructor(
    private readonly transport: ChunkTransport,
    /** How many bytes the server holds, as it last said. */
    private held: number,
    private readonly maxRequestBytes: number,
    private readonly onStored: (held: number) => void,
    private readonly depth = REQUESTS_IN_FLIGHT,
  ) {
    this.sent = held;
  }

  get serverHolds(): number {
    return this.held;
  }

  /**
   * Sends whatever of `bytes`, which start at `from` in the stored object, the server does not hold
   * yet. Returns once fewer than `depth` requests are unanswered, so the caller can make the next
   * batch meanwhile; `finish()` waits for the rest.
   */
  async send(bytes: Uint8Array, from: number): Promise<void> {
    for (;;) {
      // Bytes before `from` were made and let go earlier: a server that now holds fewer than it said went back.
      if (this.sent < from) throw new OffsetMismatch();
      if (this.sent >= from + bytes.length) return;
      if (this.flights.length >= this.depth) {
        await this.land();
        continue;
      }
      const at = this.sent - from;
      this.launch(this.sent, bytes.subarray(at, at + this.maxRequestBytes));
    }
  }

  /** Waits until every request sent is answered and stored (sending again what has to be). */
  async finish(): Promise<void> {
    while (this.flights.length) await this.land();
  }

  /** How many bytes the server holds, asked again while the connection is lost. */
  async where(): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transport.where();
      } catch (error) {
        if (this.transport.failure(error) !== 'lost') throw error;
        if (attempt >= RETRIES) throw new ConnectionLost(error);
        await this.transport.pause(500 * attempt);
      }
    }
  }

  private launch(offset: number, piece: Uint8Array): void {
    const answer = this.transport.put(offset, piece).then(
      (held): Answer => ({ held }),
      (error: unknown): Answer => ({ error }),
    );
    this.flights.push({ offset, piece, answer });
    this.sent = offset + piece.length;
  }

  /** Deals with the oldest request's answer; after a failure, with every request still unanswered. */
  private async land(): Promise<void> {
    const oldest = this.flights.shift();
    if (!oldest) return;
    const answer = await oldest.answer;
    if ('held' in answer && answer.held === oldest.offset + oldest.piece.length) return this.stored(answer.held);
    // Trouble (or a server that says it holds other than this request's end): the requests behind it
    // finish first, so none of them is still on its way.
    const behind = this.flights.splice(0);
    const answers = await Promise.all(behind.map((f) => f.answer));
    let retry = [{ flight: oldest, answer }, ...behind.map((flight, i) => ({ flight, answer: answers[i] as Answer }))];
    // The server appends only at its length, so a later request stored means all before it were too.
    const lastStored = retry.findLastIndex((r) => 'held' in r.answer);
    const stored = retry[lastStored]?.answer;
    if (stored && 'held' in stored) {
      this.stored(stored.held);
      retry = retry.slice(lastStored + 1);
    }
    // The first of the rest failed for a reason of its own; those after it most likely because it did, so they are simply sent again.
    // Where any of them ends is where this browser's own requests could have left the server.
    const ends = retry.map((r) => r.flight.offset + r.flight.piece.length);
    let first = retry[0]?.answer;
    for (const { flight } of retry) {
      const end = flight.offset + flight.piece.length;
      while (this.held < end) {
        if (this.held < flight.offset) throw new OffsetMismatch();
        const at = this.held - flight.offset;
        this.stored(await this.putAt(this.held, flight.piece.subarray(at), at === 0 ? first : undefined, ends));
        first = undefined;
      }
      first = undefined;
    }
    this.sent = this.held;
  }

  private stored(held: number): void {
    this.held = held;
    this.onStored(held);
  }

  /**
   * Puts `piece` at `offset` until the server has it, asking where it stands after a failure;
   * `tried` is the answer to a try already made. A lost request after which the server stands at
   * one of `landed` (this request's end, or the end of a request sent after it) arrived.
   */
  private async putAt(offset: number, piece: Uint8Array, tried?: Answer, landed = [offset + piece.length]): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const answer =
        attempt === 1 && tried
          ? tried
          : await this.transport.put(offset, piece).then(
              (held): Answer => ({ held }),
              (error: unknown): Answer => ({ error }),
            );
      if ('held' in answer) {
        this.mismatches = 0;
        return answer.held;
      }
      const failure = this.transport.failure(answer.error);
      if (failure === 'fatal') throw answer.error;
      if (failure === 'moved') {
        this.mismatch();
        return this.where();
      }
      if (attempt >= RETRIES) throw new ConnectionLost(answer.error);
      await this.transport.pause(500 * attempt);
      const held = await this.where();
      // Never arrived: send it again.
      if (held === offset) continue;
      // Arrived (and perhaps requests after it too); only the answer was lost.
      if (landed.includes(held)) {
        this.mismatches = 0;
        return held;
      }
      this.mismatch();
      return held;
    }
  }

  /** The server stands somewhere this browser did not expect: sending carries on from there, but only once in a row. */
  private mismatch(): void {
    this.mismatches += 1;
    if (this.mismatches > 1) throw new OffsetMismatch();
  }
}

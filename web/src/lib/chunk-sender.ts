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

/**
 * Sends a stream of bytes that is produced in order, one batch at a time, skipping what the server
 * already holds. A request lost on the way is asked about: stored, it moves on; not stored, it is
 * sent again. A server that answers 409 `wrong_offset` (say, a request whose answer was lost had
 * landed after all) is asked where it stands and sending carries on from there, once: a second
 * mismatch in a row is an error. Sending the same bytes at the same offset again is always safe,
 * because the ciphertext is the same each time (the same key and header).
 */
export class ChunkSender {
  private mismatches = 0;

  constructor(
    private readonly transport: ChunkTransport,
    /** How many bytes the server holds, as it last said. */
    private held: number,
    private readonly maxRequestBytes: number,
    private readonly onStored: (held: number) => void,
  ) {}

  get serverHolds(): number {
    return this.held;
  }

  /** Sends whatever of `bytes`, which start at `from` in the stored object, the server does not hold yet. */
  async send(bytes: Uint8Array, from: number): Promise<void> {
    while (this.held < from + bytes.length) {
      // Bytes before `from` were made and let go earlier: a server that now holds fewer than it said went back.
      if (this.held < from) throw new OffsetMismatch();
      const at = this.held - from;
      this.held = await this.putAt(this.held, bytes.subarray(at, at + this.maxRequestBytes));
      this.onStored(this.held);
    }
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

  private async putAt(offset: number, piece: Uint8Array): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      let error: unknown;
      try {
        const held = await this.transport.put(offset, piece);
        this.mismatches = 0;
        return held;
      } catch (caught) {
        error = caught;
      }
      const failure = this.transport.failure(error);
      if (failure === 'fatal') throw error;
      if (failure === 'moved') {
        this.mismatch();
        return this.where();
      }
      if (attempt >= RETRIES) throw new ConnectionLost(error);
      await this.transport.pause(500 * attempt);
      const held = await this.where();
      // Never arrived: send it again.
      if (held === offset) continue;
      // Arrived; only the answer was lost.
      if (held === offset + piece.length) {
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

/**
 * Which numbers of this reader's sequence (docs/realtime.md) the device has, so that a copy stored
 * but never pushed — its server process died after the ack, or Redis dropped it between
 * processes — is fetched without waiting for a reconnection. Plain TypeScript, no framework: the
 * web client (messaging.svelte.ts) and the Node test client (test/support/practitioner.ts) use it.
 *
 * The numbers have no gaps, so a live copy numbered past the next one expected means one is
 * missing, or is still crossing from another process: after `gapWaitMs` without it, catch up. The
 * server also says `sync:check` when it knows copies may be lost; that calls `request` at once.
 */
export class LiveSequence {
  /** Every number up to this one is on the device. */
  private through = 0;
  /** Numbers seen past a gap. */
  private readonly ahead = new Set<number>();
  private gapTimer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    /** Fetches everything after `cursor` (sync:since, while `more`) and calls `caughtUpTo`. */
    private readonly catchUp: () => Promise<void>,
    private readonly gapWaitMs = 1_500,
  ) {}

  /** The number to catch up from. */
  get cursor(): number {
    return this.through;
  }

  /** A live copy, or the ack of this device's own send, carried this number. */
  seen(seq: number): void {
    if (seq <= this.through) return;
    this.ahead.add(seq);
    this.advance();
  }

  /** A catch-up fetched everything up to `cursor`. */
  caughtUpTo(cursor: number): void {
    if (cursor > this.through) this.through = cursor;
    for (const seq of this.ahead) if (seq <= this.through) this.ahead.delete(seq);
    this.advance();
  }

  /**
   * Catches up now; asked while a catch-up runs, runs once more after it, since what prompted
   * the request may have been stored after that one read its last page.
   */
  request(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async () => {
      try {
        do {
          this.again = false;
          await this.catchUp();
        } while (this.again);
      } finally {
        this.running = null;
      }
    };
    this.running = run();
    return this.running;
  }

  /** Forgets everything (sign-out, another user): the next catch-up starts from `cursor`. */
  reset(cursor = 0): void {
    this.through = cursor;
    this.ahead.clear();
    this.clearGapTimer();
  }

  private advance(): void {
    while (this.ahead.delete(this.through + 1)) this.through += 1;
    if (this.ahead.size === 0) this.clearGapTimer();
    else this.gapTimer ??= setTimeout(() => this.gapOutstayed(), this.gapWaitMs);
  }

  private gapOutstayed(): void {
    this.gapTimer = null;
    if (this.ahead.size > 0) this.request().catch(() => undefined);
  }

  private clearGapTimer(): void {
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.gapTimer = null;
  }
}

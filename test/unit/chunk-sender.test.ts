import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkSender, ConnectionLost, OffsetMismatch, RETRIES, type ChunkTransport, type Failure } from '../../web/src/lib/chunk-sender';

// Sending an upload's bytes at the server's offset (web/src/lib/chunk-sender.ts), against a fake
// server that stores appends at exactly its length, like server/attachments (409 `wrong_offset`
// otherwise), and loses requests or answers on cue.

class Lost extends Error {}
class Moved extends Error {}
class Refused extends Error {}

/** What happens to one request: it is stored and answered, lost before or after the server stored it, or refused. */
type Fate = 'ok' | 'lose-request' | 'lose-answer' | 'refuse';

class FakeServer implements ChunkTransport {
  held: number[] = [];
  puts: { offset: number; length: number }[] = [];
  asks = 0;
  pauses: number[] = [];
  /** Fates of the coming puts and asks, in order; when empty, everything goes through. */
  putFates: Fate[] = [];
  askFates: ('ok' | 'lose')[] = [];
  /** Runs just before a put reaches the server (another writer, say). */
  beforePut: ((server: FakeServer) => void) | null = null;
  /**
   * Answers each put on a later turn of the event loop, in the order sent, so several can be
   * unanswered at once. The server still takes each put as it is sent, as the real one takes a
   * request that arrives ahead once the one before it is written (server/attachments/upload-waits.ts).
   */
  answerLater = false;
  /** Puts sent and not yet answered, now and at most. */
  unanswered = 0;
  mostUnanswered = 0;

  put(offset: number, bytes: Uint8Array): Promise<number> {
    this.puts.push({ offset, length: bytes.length });
    this.beforePut?.(this);
    const fate = this.putFates.shift() ?? 'ok';
    const answer = this.take(fate, offset, bytes);
    const settle = () => (answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer));
    if (!this.answerLater) return settle();
    this.unanswered += 1;
    this.mostUnanswered = Math.max(this.mostUnanswered, this.unanswered);
    return new Promise((resolve) => setImmediate(resolve)).then(() => {
      this.unanswered -= 1;
      return settle();
    });
  }

  /** Stores the put now (or not); the answer is what the client will hear, an error or the length held. */
  private take(fate: Fate, offset: number, bytes: Uint8Array): number | Error {
    if (fate === 'lose-request') return new Lost();
    if (fate === 'refuse') return new Refused();
    if (offset !== this.held.length) return new Moved();
    this.held.push(...bytes);
    return fate === 'lose-answer' ? new Lost() : this.held.length;
  }

  where(): Promise<number> {
    this.asks += 1;
    return this.askFates.shift() === 'lose' ? Promise.reject(new Lost()) : Promise.resolve(this.held.length);
  }

  failure(error: unknown): Failure {
    return error instanceof Lost ? 'lost' : error instanceof Moved ? 'moved' : 'fatal';
  }

  pause(ms: number): Promise<void> {
    this.pauses.push(ms);
    return Promise.resolve();
  }
}

const stream = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 7 + 3) % 256);

/**
 * Sends `bytes` in batches of `batch`, as the encryptor makes them, through a sender that puts at
 * most `max` bytes a request with at most `depth` unanswered. The tests outside "two requests in
 * flight" pin the order of requests one at a time.
 */
async function sendAll(server: FakeServer, bytes: Uint8Array, { batch = 10, max = 4, held = server.held.length, depth = 1 } = {}): Promise<number[]> {
  const stored: number[] = [];
  const sender = new ChunkSender(server, held, max, (at) => stored.push(at), depth);
  for (let from = 0; from < bytes.length; from += batch) await sender.send(bytes.subarray(from, from + batch), from);
  await sender.finish();
  return stored;
}

describe('sending at the server’s offset', () => {
  it('sends every byte once, in order, in requests of at most the given size', async () => {
    const server = new FakeServer();
    const bytes = stream(25);
    const stored = await sendAll(server, bytes);
    expect(server.held).toEqual([...bytes]);
    expect(server.puts).toEqual([0, 4, 8, 10, 14, 18, 20, 24].map((offset, i, all) => ({ offset, length: (all[i + 1] ?? 25) - offset })));
    expect(stored).toEqual([4, 8, 10, 14, 18, 20, 24, 25]);
    expect(server.asks).toBe(0);
  });

  it('skips what the server already holds, and starts within a batch where the server stands', async () => {
    const server = new FakeServer();
    const bytes = stream(25);
    server.held = [...bytes.subarray(0, 13)];
    await sendAll(server, bytes);
    expect(server.held).toEqual([...bytes]);
    expect(server.puts[0]).toEqual({ offset: 13, length: 4 });
    expect(Math.min(...server.puts.map((p) => p.offset))).toBe(13);
  });

  it('sends nothing for an upload the server holds whole', async () => {
    const server = new FakeServer();
    const bytes = stream(25);
    server.held = [...bytes];
    await sendAll(server, bytes);
    expect(server.puts).toEqual([]);
  });
});

describe('a request lost on the way', () => {
  it('is sent again when the server did not store it', async () => {
    const server = new FakeServer();
    server.putFates = ['ok', 'lose-request'];
    const bytes = stream(12);
    await sendAll(server, bytes);
    expect(server.held).toEqual([...bytes]);
    expect(server.puts.map((p) => p.offset)).toEqual([0, 4, 4, 8, 10]);
    expect(server.asks).toBe(1);
    expect(server.pauses).toEqual([500]);
  });

  it('is not sent again when only its answer was lost', async () => {
    const server = new FakeServer();
    server.putFates = ['ok', 'lose-answer'];
    const bytes = stream(12);
    await sendAll(server, bytes);
    expect(server.held).toEqual([...bytes]);
    expect(server.puts.map((p) => p.offset)).toEqual([0, 4, 8, 10]);
  });

  it('after the answer was lost twice in a row, still carries on (a landed request is not a mismatch)', async () => {
    const server = new FakeServer();
    server.putFates = ['lose-answer', 'lose-answer', 'lose-answer'];
    const bytes = stream(12);
    await sendAll(server, bytes);
    expect(server.held).toEqual([...bytes]);
  });

  it(`stops with ConnectionLost after ${RETRIES} tries, waiting longer each time, leaving what was stored`, async () => {
    const server = new FakeServer();
    server.putFates = ['ok', ...Array<Fate>(RETRIES).fill('lose-request')];
    const error = await sendAll(server, stream(12)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionLost);
    expect(server.puts.map((p) => p.offset)).toEqual([0, ...Array<number>(RETRIES).fill(4)]);
    expect(server.pauses).toEqual([500, 1000, 1500, 2000]);
    expect(server.held.length).toBe(4);
  });

  it('asks again while asking where the upload stands fails too, and stops with ConnectionLost when it keeps failing', async () => {
    const server = new FakeServer();
    server.putFates = ['lose-request'];
    server.askFates = ['lose', 'lose'];
    const bytes = stream(12);
    await sendAll(server, bytes);
    expect(server.held).toEqual([...bytes]);
    expect(server.asks).toBe(3);

    const offline = new FakeServer();
    offline.putFates = ['lose-request'];
    offline.askFates = Array<'lose'>(RETRIES).fill('lose');
    await expect(sendAll(offline, bytes)).rejects.toBeInstanceOf(ConnectionLost);
    expect(offline.asks).toBe(RETRIES);
    expect(offline.puts.length).toBe(1);
  });

  it('carries on from where the server stands when it is neither before nor after the lost request, once', async () => {
    const server = new FakeServer();
    const bytes = stream(20);
    server.putFates = ['lose-request'];
    // Another writer of the same bytes (another tab, without Web Locks) got 6 bytes in.
    server.beforePut = (s) => {
      if (s.puts.length === 1) s.held.push(...bytes.subarray(0, 6));
    };
    await sendAll(server, bytes);
    expect(server.held).toEqual([...bytes]);
    expect(server.puts.map((p) => p.offset)).toEqual([0, 6, 10, 14, 18]);
  });
});

describe('409 wrong_offset', () => {
  it('re-reads where the server stands and sends the rest of the request from there', async () => {
    const server = new FakeServer();
    const bytes = stream(20);
    // Another writer of the same bytes stored 2 bytes first.
    server.beforePut = (s) => {
      if (s.puts.length === 2) s.held.push(...bytes.subarray(4, 6));
    };
    await sendAll(server, bytes);
    expect(server.held).toEqual([...bytes]);
    expect(server.puts.map((p) => p.offset)).toEqual([0, 4, 6, 8, 10, 14, 18]);
    expect(server.asks).toBe(1);
  });

  it('carries on from there when the server is past this batch, sending none of it again', async () => {
    const server = new FakeServer();
    const bytes = stream(30);
    server.beforePut = (s) => {
      if (s.puts.length === 1) s.held.push(...bytes.subarray(0, 23));
    };
    await sendAll(server, bytes);
    expect(server.held).toEqual([...bytes]);
    expect(server.puts.map((p) => p.offset)).toEqual([0, 23, 27]);
  });

  it('a second mismatch in a row stops with OffsetMismatch: two requests, no loop', async () => {
    const server = new FakeServer();
    // Something else keeps writing one byte ahead of every request.
    server.beforePut = (s) => s.held.push(0);
    const error = await sendAll(server, stream(20)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OffsetMismatch);
    expect(server.puts.length).toBe(2);
    expect(server.asks).toBe(1);
  });

  it('mismatches apart from each other are each handled once', async () => {
    const server = new FakeServer();
    const bytes = stream(20);
    server.beforePut = (s) => {
      if (s.puts.length === 1 || s.puts.length === 4) s.held.push(...bytes.subarray(s.held.length, s.held.length + 1));
    };
    await sendAll(server, bytes);
    expect(server.held).toEqual([...bytes]);
    expect(server.asks).toBe(2);
  });

  it('a mismatch after a lost request that landed elsewhere counts: the next one in a row stops', async () => {
    const server = new FakeServer();
    server.putFates = ['lose-request'];
    server.beforePut = (s) => s.held.push(0);
    await expect(sendAll(server, stream(20))).rejects.toBeInstanceOf(OffsetMismatch);
    expect(server.puts.length).toBe(2);
  });

  it('a server that holds less than it said is a mismatch', async () => {
    const server = new FakeServer();
    const bytes = stream(20);
    server.beforePut = (s) => {
      if (s.puts.length === 4) s.held.length = 2;
    };
    await expect(sendAll(server, bytes)).rejects.toBeInstanceOf(OffsetMismatch);
  });
});

describe('anything else', () => {
  it('is thrown as it is, at once, without asking the server', async () => {
    const server = new FakeServer();
    server.putFates = ['ok', 'refuse'];
    const error = await sendAll(server, stream(12)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Refused);
    expect(server.puts.length).toBe(2);
    expect(server.asks).toBe(0);
  });
});

describe('two requests in flight', () => {
  const pipelined = () => Object.assign(new FakeServer(), { answerLater: true });

  it('sends the next request before the answer to the one before, never more than two unanswered, every byte once and in order', async () => {
    const server = pipelined();
    const bytes = stream(25);
    const stored = await sendAll(server, bytes, { depth: 2 });
    expect(server.held).toEqual([...bytes]);
    expect(server.mostUnanswered).toBe(2);
    expect(server.puts).toEqual([0, 4, 8, 10, 14, 18, 20, 24].map((offset, i, all) => ({ offset, length: (all[i + 1] ?? 25) - offset })));
    expect(stored).toEqual([4, 8, 10, 14, 18, 20, 24, 25]);
    expect(server.asks).toBe(0);
  });

  it('one at a time when told so', async () => {
    const server = pipelined();
    await sendAll(server, stream(25), { depth: 1 });
    expect(server.mostUnanswered).toBe(1);
  });

  it('a request lost on the way: the one sent after it is refused as ahead, and both go again, in order', async () => {
    const server = pipelined();
    server.putFates = ['ok', 'lose-request'];
    const bytes = stream(16);
    await sendAll(server, bytes, { depth: 2 });
    expect(server.held).toEqual([...bytes]);
    // 4 is lost, 8 (sent before 4's answer) refused as ahead; then 4 and 8 again, one at a time.
    expect(server.puts.map((p) => p.offset)).toEqual([0, 4, 8, 4, 8, 10, 14]);
    expect(server.asks).toBe(1);
    expect(server.pauses).toEqual([500]);
  });

  it('an answer lost while the request behind it landed: nothing is sent again and nobody is asked', async () => {
    const server = pipelined();
    server.putFates = ['ok', 'lose-answer'];
    const bytes = stream(16);
    const stored = await sendAll(server, bytes, { depth: 2 });
    expect(server.held).toEqual([...bytes]);
    expect(server.puts.map((p) => p.offset)).toEqual([0, 4, 8, 10, 14]);
    expect(server.asks).toBe(0);
    expect(stored).toEqual([4, 10, 14, 16]);
  });

  it('anything else is thrown once the request behind it is answered too', async () => {
    const server = pipelined();
    server.putFates = ['ok', 'refuse'];
    const error = await sendAll(server, stream(16), { depth: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Refused);
    expect(server.unanswered).toBe(0);
    expect(server.asks).toBe(0);
  });

  it('a server that holds less than it said is a mismatch', async () => {
    const server = pipelined();
    server.beforePut = (s) => {
      if (s.puts.length === 5) s.held.length = 2;
    };
    await expect(sendAll(server, stream(30), { depth: 2 })).rejects.toBeInstanceOf(OffsetMismatch);
    expect(server.unanswered).toBe(0);
  });

  it('something else writing ahead of every request still stops with OffsetMismatch, without a loop', async () => {
    const server = pipelined();
    server.beforePut = (s) => s.held.push(0);
    await expect(sendAll(server, stream(20), { depth: 2 })).rejects.toBeInstanceOf(OffsetMismatch);
    expect(server.puts.length).toBeLessThanOrEqual(4);
  });

  it('another writer slips bytes in: both requests in flight are refused, the server is asked once, and sending carries on from there', async () => {
    const server = pipelined();
    const bytes = stream(20);
    // Another writer of the same bytes stores 2 bytes after the first request.
    server.beforePut = (s) => {
      if (s.puts.length === 2) s.held.push(...bytes.subarray(4, 6));
    };
    await sendAll(server, bytes, { depth: 2 });
    expect(server.held).toEqual([...bytes]);
    expect(server.puts.map((p) => p.offset)).toEqual([0, 4, 8, 6, 8, 10, 14, 18]);
    expect(server.asks).toBe(1);
  });
});

describe('whatever is lost, short of the connection staying down', () => {
  for (const [depth, answerLater] of [
    [1, false],
    [1, true],
    [2, true],
  ] as const) {
    it(`the server ends with exactly the stream (${depth} in flight${answerLater ? ', answered later' : ''})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 60 }),
          fc.integer({ min: 1, max: 16 }),
          fc.integer({ min: 1, max: 8 }),
          fc.array(fc.constantFrom<Fate>('ok', 'ok', 'lose-request', 'lose-answer'), { maxLength: 40 }),
          async (length, batch, max, fates) => {
            const server = Object.assign(new FakeServer(), { answerLater });
            // Never RETRIES losses in a row: that is the connection staying down.
            server.putFates = fates.filter((fate, i) => fate === 'ok' || fates.slice(Math.max(0, i - RETRIES + 1), i + 1).some((f) => f === 'ok'));
            const bytes = stream(length);
            await sendAll(server, bytes, { batch, max, depth });
            expect(server.held).toEqual([...bytes]);
            expect(server.mostUnanswered).toBeLessThanOrEqual(depth);
          },
        ),
      );
    });
  }
});

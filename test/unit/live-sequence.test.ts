import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveSequence } from '../../web/src/lib/live-sequence';

// A stand-in for the server's sync:since over a stored, gap-free sequence 1..stored.
function syncOver(stored: () => number) {
  const calls: number[] = [];
  const sequence: LiveSequence = new LiveSequence(async () => {
    calls.push(sequence.cursor);
    const page = stored(); // what the server held when it read the page
    await Promise.resolve();
    sequence.caughtUpTo(page);
  }, 1_000);
  return { sequence, calls };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('LiveSequence', () => {
  it('moves the cursor with numbers in order and never asks for a catch-up', async () => {
    const { sequence, calls } = syncOver(() => 3);
    for (const seq of [1, 2, 3]) sequence.seen(seq);
    expect(sequence.cursor).toBe(3);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toEqual([]);
  });

  it('ignores numbers already passed (a copy heard live and again in a catch-up)', () => {
    const { sequence } = syncOver(() => 2);
    sequence.seen(1);
    sequence.seen(2);
    sequence.seen(1);
    sequence.seen(2);
    expect(sequence.cursor).toBe(2);
  });

  it('waits for a copy still crossing from another process: out of order but complete, no catch-up', async () => {
    const { sequence, calls } = syncOver(() => 3);
    sequence.seen(1);
    sequence.seen(3);
    expect(sequence.cursor).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    sequence.seen(2);
    expect(sequence.cursor).toBe(3);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toEqual([]);
  });

  it('catches up from the last number it has once a gap outstays the wait, and only once', async () => {
    const { sequence, calls } = syncOver(() => 5);
    sequence.seen(1);
    sequence.seen(4);
    sequence.seen(5);
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([1]);
    expect(sequence.cursor).toBe(5);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toEqual([1]);
  });

  it('a catch-up that fills the gap stops the wait', async () => {
    const { sequence, calls } = syncOver(() => 4);
    sequence.seen(3);
    await sequence.request();
    expect(sequence.cursor).toBe(4);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toEqual([0]);
  });

  it('requests during a catch-up run one more catch-up after it, not one each', async () => {
    let stored = 2;
    const { sequence, calls } = syncOver(() => stored);
    const first = sequence.request();
    stored = 4; // stored after the running catch-up read its page
    void sequence.request();
    void sequence.request();
    await first;
    expect(calls).toEqual([0, 2]);
    expect(sequence.cursor).toBe(4);
  });

  it('a failed catch-up rejects its callers and the next request runs again', async () => {
    let fail = true;
    const sequence: LiveSequence = new LiveSequence(async () => {
      await Promise.resolve();
      if (fail) throw new Error('disconnected');
      sequence.caughtUpTo(3);
    });
    await expect(sequence.request()).rejects.toThrow('disconnected');
    fail = false;
    await sequence.request();
    expect(sequence.cursor).toBe(3);
  });

  it('reset forgets the numbers and the pending wait (sign-out)', async () => {
    const { sequence, calls } = syncOver(() => 9);
    sequence.seen(1);
    sequence.seen(5);
    sequence.reset();
    expect(sequence.cursor).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toEqual([]);
  });

  it('whatever order and duplication copies arrive in, the cursor is the longest unbroken run from 1', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 60 }), (numbers) => {
        const sequence = new LiveSequence(() => Promise.resolve(), 60_000);
        for (const n of numbers) sequence.seen(n);
        const cursor = sequence.cursor;
        sequence.reset();
        return cursor === expectedCursor(numbers);
      }),
    );
  });
});

function expectedCursor(numbers: number[]): number {
  const have = new Set(numbers);
  let run = 0;
  while (have.has(run + 1)) run += 1;
  return run;
}

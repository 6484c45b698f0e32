import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';

let haven: TestHaven;
const people = new People(() => haven);
beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true });
});
afterAll(() => haven.close());

function connectError(cookie?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = io(haven.url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: cookie ? { cookie } : {} });
    socket.once('connect', () => {
      socket.close();
      reject(new Error('connection was accepted'));
    });
    socket.once('connect_error', (error) => {
      socket.close();
      resolve(error.message);
    });
  });
}

describe('Socket.IO gateway', () => {
  it('refuses a connection without a session, with a forged one, or before the second factor', async () => {
    expect(await connectError()).toBe('unauthorised');
    expect(await connectError(`haven_session=${'A'.repeat(43)}`)).toBe('unauthorised');
    const half = new ApiClient(haven.url);
    const jordan = haven.account('Jordan');
    await half.post('/api/auth/sign-in', { email: jordan.email, password: jordan.password });
    expect(await connectError(half.cookieHeader())).toBe('unauthorised');
  });

  it('accepts a signed-in session and answers typed events with acks', async () => {
    const morgan = await people.as('Morgan');
    const socket = morgan.socket();
    try {
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
      const status = await socket.timeout(5_000).emitWithAck('session:status', {});
      expect(status).toEqual({ ok: true, sharing: { allowed: true, reasons: [] } });
    } finally {
      socket.close();
    }
  });

  it('answers bad payloads and unknown events with an error ack, and stays up', async () => {
    const morgan = await people.as('Morgan');
    const socket = morgan.socket();
    try {
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
      const bad = await socket.timeout(5_000).emitWithAck('session:status', { extra: 'field' } as unknown as Record<string, never>);
      expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringContaining('extra') } });
      const untyped = socket as unknown as { timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> } };
      const unknown = await untyped.timeout(5_000).emitWithAck('made:up', { a: 1 });
      expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown_event' } });
      const stillUp = await socket.timeout(5_000).emitWithAck('session:status', {});
      expect(stillUp).toMatchObject({ ok: true });
    } finally {
      socket.close();
    }
  });

  it('ends the socket when its session is signed out', async () => {
    const ruth = await people.as('Ruth');
    const socket = ruth.socket();
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
    const ended = new Promise((resolve) => socket.once('session:ended', resolve));
    expect((await ruth.post('/api/auth/sign-out')).status).toBe(204);
    expect(await ended).toEqual({ reason: 'signed_out' });
    socket.close();
  });

  it('refuses a reconnection after sign-out', async () => {
    const alex = await people.as('Alex');
    const cookie = alex.cookieHeader();
    await alex.post('/api/auth/sign-out');
    expect(await connectError(cookie)).toBe('unauthorised');
  });
});

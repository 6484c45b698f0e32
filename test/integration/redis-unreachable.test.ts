import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHaven } from '../support/haven';

// A Haven whose Redis never answers (here: a port that accepts connections and says nothing), then
// closed: nothing it asked Redis for may be left to reject unhandled. The Socket.IO adapter's
// subscriptions did, when a close caught its connections mid-connect, and failed a CI run.
let silent: Server;
let url = '';
const sockets: Socket[] = [];

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  url = `redis://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe('with a Redis that never answers', () => {
  it('starts, answers health as degraded, and closes without leaving a rejected Redis command unhandled', async () => {
    const unhandled: unknown[] = [];
    const collect = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', collect);
    try {
      for (let i = 0; i < 3; i += 1) {
        const haven = await startTestHaven({ redisUrl: url });
        expect((await fetch(`${haven.url}/api/health`)).status).toBe(503);
        await haven.close();
      }
      // Rejections are reported after a turn of the event loop.
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      process.off('unhandledRejection', collect);
    }
    expect(unhandled.map((r) => (r instanceof Error ? r.message : String(r)))).toEqual([]);
  });
});
